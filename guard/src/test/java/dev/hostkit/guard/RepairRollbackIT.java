package dev.hostkit.guard;

import dev.hostkit.core.Errno;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.netlink.NetlinkException;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A repair whose restore the kernel refuses deletes the link it made; when that delete fails too, the REPAIR_FAILED
 * event names the half-made link and its index. The restore fails for real (IPv6 disabled for new links in the
 * namespace, so the recreated eth1 refuses its IPv6 address); only the delete's failure is injected (GuardNet.Ns seam),
 * since the kernel will not refuse a delete on demand.
 */
@HostTest
class RepairRollbackIT {
    @TempDir
    Path state;

    private final List<Integer> deletesAsked = new CopyOnWriteArrayList<>();

    @Test
    void aRollbackDeleteThatFailsTooNamesTheHalfMadeLinkAndItsIndex(TestNetns a) throws Exception {
        failRepair(
                a,
                index -> {
                    deletesAsked.add(index);
                    return new NetlinkException("delete link", "index " + index, Errno.EBUSY.number(), null);
                },
                failed -> assertHalfMadeLinkNamed(a, failed));
    }

    // While the parent is still there (its deletion takes the macvlan with it).
    private void assertHalfMadeLinkNamed(TestNetns a, GuardEvent failed) {
        int index = deletesAsked.get(0);
        assertThat(deletesAsked).containsExactly(index);
        assertThat(a.exec("ip", "-o", "link", "show", "eth1"))
                .as("the half-made link is left, at the index the event names")
                .startsWith(index + ": eth1@");
        assertThat(failed.iface()).isEqualTo("eth1");
        assertThat(failed.reason())
                .contains("fd00:77::2")
                .contains("rolling back failed too")
                .contains("'eth1' (index " + index + ") is left half made")
                .contains("delete link");
    }

    @Test
    void withoutTheFaultTheRollbackDeletesTheHalfMadeLink(TestNetns a) throws Exception {
        failRepair(
                a,
                index -> {
                    deletesAsked.add(index);
                    return null; // the real delete runs
                },
                failed -> {
                    assertThat(deletesAsked).hasSize(1);
                    assertThat(failed.reason()).contains("fd00:77::2").doesNotContain("rolling back failed");
                    assertThat(a.exec("ip", "-o", "link").lines())
                            .as("only lo: no eth1, no temporary link")
                            .hasSize(1);
                });
    }

    // Snapshots eth1, takes the parent away and back with IPv6 disabled for new links, repairs once with the given
    // delete fault, and checks the single REPAIR_FAILED event while the parent and the guardian are still there.
    private void failRepair(TestNetns a, IntFunction<RuntimeException> deleteFault, Consumer<GuardEvent> check)
            throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .resync(Duration.ofHours(1))
                    .build()) {
                g.reconcileOnce();
                assertThat(g.snapshots()).extracting(InterfaceSnapshot::name).containsExactly("eth1");
                a.exec("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
                parent.unload();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.LOST);
                parent.load();
                List<GuardEvent> events;
                GuardNet.Ns.deleteFault = deleteFault;
                try {
                    events = g.reconcileOnce();
                } finally {
                    GuardNet.Ns.deleteFault = index -> null;
                }
                assertThat(events)
                        .as("events of the repair")
                        .filteredOn(e -> e.type() == Type.REPAIR_FAILED)
                        .singleElement()
                        .satisfies(check::accept);
            }
        }
    }
}
