package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A route with next hops over two guarded macvlans comes back whole, as {@code ip -j route} showed it, after the parent bounces. */
@HostTest
class MultipathGuardianIT {
    @TempDir
    Path state;

    /** The namespace's IPv4 and IPv6 routes as {@code ip -j} shows them, without the flags that follow the carrier. */
    private static String routes(Path ns) {
        return (GuardTestNet.in(ns, "ip", "-j", "-d", "route", "show", "table", "all")
                        + GuardTestNet.in(ns, "ip", "-6", "-j", "-d", "route", "show", "2001:db8:77::/64"))
                .replaceAll(",?\"flags\":\\[[^\\]]*\\]", "");
    }

    @Test
    void aTwoNextHopDefaultRouteOverTwoGuardedMacvlansComesBackIdenticalAfterTheParentBounces(TestNetns a)
            throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.giveSecondMacvlan(a.path(), parent.name(), 2);
            GuardTestNet.in(a.path(), "ip", "route", "del", "default");
            GuardTestNet.in(
                    a.path(),
                    "ip",
                    "route",
                    "add",
                    "default",
                    "nexthop",
                    "via",
                    "10.77.0.1",
                    "dev",
                    "eth1",
                    "weight",
                    "1",
                    "nexthop",
                    "via",
                    "10.78.0.1",
                    "dev",
                    "eth2",
                    "weight",
                    "3");
            GuardTestNet.in(
                    a.path(),
                    "ip",
                    "-6",
                    "route",
                    "add",
                    "2001:db8:77::/64",
                    "nexthop",
                    "via",
                    "fd00:77::1",
                    "dev",
                    "eth1",
                    "nexthop",
                    "via",
                    "fd00:78::1",
                    "dev",
                    "eth2",
                    "weight",
                    "2");
            GuardTestNet.awaitDad(a.path());
            String before = routes(a.path());
            assertThat(before).contains("\"nexthops\"", "\"weight\":3", "2001:db8:77::/64");
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .build()) {
                assertThat(g.reconcileOnce())
                        .extracting(GuardEvent::type)
                        .containsExactly(Type.SNAPSHOT, Type.SNAPSHOT);
            }
            parent.unload();
            assertThat(routes(a.path())).doesNotContain("\"nexthops\"");
            // Restarted from the state file: the next hops travel through it.
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .build()) {
                assertThat(g.stateProblems()).isEmpty();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.LOST, Type.LOST);
                parent.load();
                assertThat(g.reconcileOnce())
                        .extracting(GuardEvent::type)
                        .containsExactly(Type.REPAIRED, Type.REPAIRED);
            }
            assertThat(routes(a.path())).isEqualTo(before);
            assertThat(GuardTestNet.state(a.path(), "eth1")).contains("10.77.0.2");
        }
    }
}
