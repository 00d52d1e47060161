package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The events a repair causes come back to the guardian's watcher; they are not looked at again, while a real change
 * made right after the repair, in the same burst, still is. The periodic pass is 10 minutes away: only the watcher
 * can see anything here.
 */
@HostTest
class RepairEchoIT {
    @TempDir
    Path state;

    private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

    private MacvlanGuardian guardian(GuardTestNet.Parent parent, TestNetns ns) throws Exception {
        return MacvlanGuardian.builder()
                .stateDir(state)
                .parents(Set.of(parent.name()))
                .namespaces(NamespaceSource.of(List.of(ns.path())))
                .resync(Duration.ofMinutes(10))
                .listener(events::add)
                .build();
    }

    private void bounce(GuardTestNet.Parent parent, int n) throws InterruptedException {
        parent.unload();
        GuardEvents.await(events, "loss " + n, e -> GuardEvents.count(e, Type.LOST) >= n);
        parent.load();
        GuardEvents.await(events, "repair " + n, e -> GuardEvents.count(e, Type.REPAIRED) >= n);
    }

    @Test
    void aRepairsOwnEventsAreNotLookedAtButAChangeRightAfterItIs(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            try (MacvlanGuardian g = guardian(parent, a)) {
                g.start();
                GuardEvents.await(events, "the snapshot", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 1);
                // The first repair may teach the snapshot what the kernel reports of restored addresses (a look).
                bounce(parent, 1);
                Thread.sleep(500);
                long snapshots = GuardEvents.count(events, Type.SNAPSHOT);

                bounce(parent, 2);
                Thread.sleep(500); // the watcher's debounce (100 ms) and a look, had there been one
                assertThat(GuardEvents.count(events, Type.SNAPSHOT))
                        .as("no look after the repair's own events: nothing new to snapshot")
                        .isEqualTo(snapshots);
                assertThat(g.snapshots().get(0).addresses())
                        .extracting(addr -> addr.address().getHostAddress())
                        .doesNotContain("10.77.0.99");

                // A change right after the repair, inside the same burst of events as the repair's own.
                bounce(parent, 3);
                a.exec("ip", "addr", "add", "10.77.0.99/24", "dev", "eth1");
                GuardEvents.await(
                        events,
                        "the new address in the snapshot",
                        e -> g.snapshots().get(0).addresses().stream()
                                .anyMatch(
                                        addr -> addr.address().getHostAddress().equals("10.77.0.99")));
                assertThat(GuardEvents.count(events, Type.SNAPSHOT)).isEqualTo(snapshots + 1);
                assertThat(GuardEvents.count(events, Type.REPAIR_FAILED)).isZero();
            }
        }
    }
}
