package dev.hostkit.netlink;

import dev.hostkit.core.Errno;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A receive that fails (injected before the receive) reaches the subscription's owner instead of vanishing. */
@HostTest
class EventSubscriptionFailureIT {

    @Test
    void listenerThreadThatCannotReadClosesTheSubscriptionAndHandsTheFailureToTheListener(TestNetns ns)
            throws Exception {
        List<NetlinkEvent> heard = new CopyOnWriteArrayList<>();
        CountDownLatch failed = new CountDownLatch(1);
        try (RtNetlink rt = rtIn(ns);
                EventSubscription sub = rt.subscribe(EnumSet.of(EventGroup.LINK), e -> {
                    heard.add(e);
                    if (e instanceof NetlinkEvent.Failed) {
                        failed.countDown();
                    }
                })) {
            sub.receiveFault = () -> {
                throw new NetlinkException("receive events", "injected", Errno.EIO.number(), null);
            };
            ns.exec("ip", "link", "add", "hkf0", "type", "veth", "peer", "name", "hkf1");
            assertThat(failed.await(10, TimeUnit.SECONDS))
                    .as("the listener heard of the failure")
                    .isTrue();
            assertThat(heard)
                    .last()
                    .isInstanceOfSatisfying(
                            NetlinkEvent.Failed.class,
                            f -> assertThat(f.cause()).hasMessageContaining("receive events(injected): EIO"));
            assertThat(sub.isClosed()).isTrue();
            // The listener thread ended (the extension's thread check would also catch it left running).
            for (int i = 0;
                    i < 100
                            && Thread.getAllStackTraces().keySet().stream()
                                    .anyMatch(EventSubscriptionFailureIT::listenerThread);
                    i++) {
                Thread.sleep(50);
            }
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(EventSubscriptionFailureIT::listenerThread);
        }
    }

    private static boolean listenerThread(Thread t) {
        return t.getName().startsWith("hostkit-netlink-events-") && t.isAlive();
    }

    @Test
    void pollThrowsTheFailureToItsCaller(TestNetns ns) {
        try (RtNetlink rt = rtIn(ns);
                EventSubscription sub = rt.subscribe(EnumSet.of(EventGroup.LINK))) {
            sub.receiveFault = () -> {
                throw new NetlinkException("receive events", "injected", Errno.EIO.number(), null);
            };
            ns.exec("ip", "link", "add", "hkf0", "type", "veth", "peer", "name", "hkf1");
            assertThatThrownBy(() -> sub.poll(Duration.ofSeconds(10)))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageContaining("EIO");
        }
    }
}
