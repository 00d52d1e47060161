package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.netlink.EventSubscription;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The guardian never goes deaf: a host link subscription that ends underneath it is renewed, with a full pass. */
@HostTest
class HostLinkFeedIT {
    @TempDir
    Path state;

    private static void await(String what, BooleanSupplier until) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!until.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aHostSubscriptionClosedUnderneathIsRenewedAndAReturningParentIsStillRepairedAtOnce(TestNetns a)
            throws Exception {
        List<GuardEvent> events = new CopyOnWriteArrayList<>();
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            String before = GuardTestNet.state(a.path(), "eth1");
            // No periodic pass during the test: only host link events can bring the repair.
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .resync(Duration.ofMinutes(10))
                    .listener(events::add)
                    .build()) {
                g.start();
                await("a snapshot", () -> events.stream().anyMatch(e -> e.type() == Type.SNAPSHOT));
                EventSubscription first = g.hostLinkFeed().subscription();
                first.close();
                await("the subscription renewed", () -> g.hostLinkFeed().renewals() >= 1);
                assertThat(g.hostLinkFeed().subscription()).isNotSameAs(first);

                parent.unload();
                await("the loss", () -> events.stream().anyMatch(e -> e.type() == Type.LOST));
                parent.load();
                await("the repair", () -> events.stream().anyMatch(e -> e.type() == Type.REPAIRED));
            }
            assertThat(GuardTestNet.state(a.path(), "eth1")).isEqualTo(before);
        }
    }
}
