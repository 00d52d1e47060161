package dev.hostkit.netlink;

import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;

@HostTest
class EventsIT {
    @Test
    void seesCreateRenameAddressAndDeleteMadeByIpInOrder(TestNetns ns) {
        try (RtNetlink rt = rtIn(ns);
                EventSubscription sub = rt.subscribe(EnumSet.of(EventGroup.LINK, EventGroup.IPV4_ADDRESS))) {
            ns.exec("ip", "link", "add", "hke0", "type", "veth", "peer", "name", "hke1");
            ns.exec("ip", "link", "set", "hke0", "name", "hke9");
            ns.exec("ip", "addr", "add", "10.66.0.1/24", "dev", "hke9");
            ns.exec("ip", "link", "del", "hke9");
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!seen.contains("del hke9") && System.nanoTime() < deadline) {
                NetlinkEvent e = sub.poll(Duration.ofMillis(500));
                if (e instanceof NetlinkEvent.LinkEvent le && le.link().name().startsWith("hke")) {
                    String what = (le.removed() ? "del " : "new ") + le.link().name();
                    if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(what)) {
                        seen.add(what);
                    }
                } else if (e instanceof NetlinkEvent.AddressEvent ae
                        && !ae.removed()
                        && ae.address().cidr().equals("10.66.0.1/24")) {
                    seen.add("addr " + ae.address().cidr());
                }
            }
            List<String> ours = seen.stream().filter(s -> !s.contains("hke1")).toList();
            assertThat(ours).containsSubsequence("new hke0", "new hke9", "addr 10.66.0.1/24", "del hke9");
            assertThat(ours.indexOf("new hke0")).isLessThan(ours.indexOf("new hke9"));
        }
    }

    @Test
    void seesRoutesAndAddressesComeAndGo(TestNetns ns) {
        ns.exec("ip", "link", "add", "hkq0", "type", "veth", "peer", "name", "hkq1");
        ns.exec("ip", "link", "set", "hkq0", "up");
        try (RtNetlink rt = rtIn(ns);
                EventSubscription sub = rt.subscribe(
                        EnumSet.of(EventGroup.IPV4_ROUTE, EventGroup.IPV4_ADDRESS, EventGroup.IPV6_ROUTE))) {
            ns.exec("ip", "addr", "add", "10.67.0.1/24", "dev", "hkq0");
            ns.exec("ip", "route", "add", "10.68.0.0/16", "via", "10.67.0.254");
            ns.exec("ip", "route", "del", "10.68.0.0/16");
            ns.exec("ip", "addr", "del", "10.67.0.1/24", "dev", "hkq0");
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!seen.contains("-addr 10.67.0.1/24") && System.nanoTime() < deadline) {
                NetlinkEvent e = sub.poll(Duration.ofMillis(500));
                if (e instanceof NetlinkEvent.RouteEvent re
                        && re.route().destinationText().equals("10.68.0.0/16")) {
                    seen.add((re.removed() ? "-" : "+") + "route " + re.route().destinationText() + " via "
                            + re.route().gateway().getHostAddress());
                } else if (e instanceof NetlinkEvent.AddressEvent ae
                        && ae.address().cidr().equals("10.67.0.1/24")) {
                    seen.add((ae.removed() ? "-" : "+") + "addr " + ae.address().cidr());
                }
            }
            assertThat(seen)
                    .containsExactly(
                            "+addr 10.67.0.1/24",
                            "+route 10.68.0.0/16 via 10.67.0.254",
                            "-route 10.68.0.0/16 via 10.67.0.254",
                            "-addr 10.67.0.1/24");
        }
    }

    @Test
    void floodBeyondTheSocketBufferYieldsResyncAndTheSubscriptionKeepsWorking(TestNetns ns) {
        try (RtNetlink rt = rtIn(ns);
                EventSubscription sub = rt.subscribe(EnumSet.of(EventGroup.LINK), 8192)) {
            Batch flood = rt.batch();
            for (int i = 0; i < 100; i++) {
                flood.createLink(LinkSpec.veth("hkf" + i, "hkg" + i, null));
            }
            flood.executeOrThrow();
            boolean resync = false;
            NetlinkEvent e;
            while ((e = sub.poll(Duration.ofMillis(300))) != null) {
                resync |= e instanceof NetlinkEvent.ResyncNeeded;
            }
            assertThat(resync).as("a ResyncNeeded event after the flood").isTrue();
            // Still alive: the next change arrives.
            rt.deleteLink("hkf0");
            boolean sawDelete = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!sawDelete && System.nanoTime() < deadline) {
                e = sub.poll(Duration.ofMillis(500));
                sawDelete = e instanceof NetlinkEvent.LinkEvent le
                        && le.removed()
                        && le.link().name().equals("hkf0");
            }
            assertThat(sawDelete).isTrue();
        }
    }

    @Test
    void oneThreadWatchesManyNamespacesThroughAwaitAny(TestNetns a, TestNetns b) {
        try (RtNetlink ra = rtIn(a);
                RtNetlink rb = rtIn(b);
                EventSubscription sa = ra.subscribe(EnumSet.of(EventGroup.LINK));
                EventSubscription sb = rb.subscribe(EnumSet.of(EventGroup.LINK))) {
            assertThat(EventSubscription.awaitAny(List.of(sa, sb), Duration.ofMillis(50)))
                    .isEmpty();
            b.exec("ip", "link", "add", "hkw0", "type", "veth", "peer", "name", "hkw1");
            List<EventSubscription> ready = EventSubscription.awaitAny(List.of(sa, sb), Duration.ofSeconds(10));
            assertThat(ready).containsExactly(sb);
            assertThat(sb.drain())
                    .anyMatch(e -> e instanceof NetlinkEvent.LinkEvent le
                            && le.link().name().equals("hkw0"));
            assertThat(sa.drain()).isEmpty();
        }
    }

    @Test
    void oneSocketHearsEveryNamespaceWithAnNsidAndSaysWhichOne(TestNetns host, TestNetns container) {
        try (RtNetlink rt = rtIn(host);
                dev.hostkit.core.NetNamespace c = container.open();
                EventSubscription all =
                        rt.subscribeAllNamespaces(EnumSet.of(EventGroup.LINK, EventGroup.IPV4_ADDRESS), 1 << 20)) {
            int nsid = rt.assignNsid(c);
            container.exec("ip", "link", "add", "hkn0", "type", "veth", "peer", "name", "hkn1");
            host.exec("ip", "link", "add", "hko0", "type", "veth", "peer", "name", "hko1");
            Integer containerSeen = null;
            Integer hostSeen = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((containerSeen == null || hostSeen == null) && System.nanoTime() < deadline) {
                NetlinkEvent e = all.poll(Duration.ofMillis(500));
                if (e instanceof NetlinkEvent.LinkEvent le && le.link().name().equals("hkn0")) {
                    containerSeen = le.nsid();
                } else if (e instanceof NetlinkEvent.LinkEvent le
                        && le.link().name().equals("hko0")) {
                    hostSeen = le.nsid();
                }
            }
            assertThat(containerSeen).isEqualTo(nsid);
            assertThat(hostSeen).isEqualTo(-1);
        }
    }

    @Test
    void listenerRunsOnItsOwnThreadAndCloseWakesABlockedReaderPromptly(TestNetns ns) throws Exception {
        try (RtNetlink rt = rtIn(ns)) {
            CountDownLatch got = new CountDownLatch(1);
            List<String> threads = new CopyOnWriteArrayList<>();
            try (EventSubscription sub = rt.subscribe(EnumSet.of(EventGroup.LINK), e -> {
                threads.add(Thread.currentThread().getName());
                got.countDown();
            })) {
                ns.exec("ip", "link", "add", "hkl0", "type", "veth", "peer", "name", "hkl1");
                assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(threads.get(0)).startsWith("hostkit-netlink-events-");

            EventSubscription blocking = rt.subscribe(EnumSet.of(EventGroup.LINK));
            AtomicReference<Object> result = new AtomicReference<>("not returned");
            Thread reader = new Thread(() -> result.set(blocking.poll(null)), "hk-test-reader");
            reader.start();
            Thread.sleep(200);
            blocking.close();
            reader.join(5_000);
            assertThat(reader.isAlive()).isFalse();
            assertThat(result.get()).isNull();
        }
    }
}
