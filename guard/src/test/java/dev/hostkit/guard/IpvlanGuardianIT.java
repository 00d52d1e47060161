package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ipvlan lost with its parent comes back as it was (mode, flags, MTU, addresses, routes; its MAC is the returned
 * parent's), by a guardian restarted from its state file. Runs wherever the kernel has ipvlan; this test kernel has
 * none ({@code ip}: "Unknown device type"), so here it skips, saying so, and the logic is covered by LiveLinksTest,
 * VerdictsTest's ipvlan table and SnapshotCodecTest.
 */
@HostTest
class IpvlanGuardianIT {
    @TempDir
    Path state;

    private static void giveIpvlan(Path ns, String parent, String mode, String flag) {
        String tmp = TestNames.next("iv");
        Sh.Result made =
                Sh.exec("ip", "link", "add", tmp, "link", parent, "mtu", "1400", "type", "ipvlan", "mode", mode, flag);
        if (!made.ok()) {
            String why = made.stderr().strip();
            // Only the kernel's refusal of the kind is a reason to skip; anything else fails.
            assertThat(why)
                    .as("ip link add type ipvlan failed")
                    .containsAnyOf("Unknown device type", "Operation not supported");
            Assumptions.abort(
                    "skipped: this kernel has no ipvlan (" + why + "); the snapshot and restore logic is unit-tested");
        }
        try {
            Sh.run("ip", "link", "set", tmp, "netns", ns.getFileName().toString());
        } catch (RuntimeException e) {
            Sh.exec("ip", "link", "del", tmp);
            throw e;
        }
        GuardTestNet.in(ns, "ip", "link", "set", tmp, "name", "eth1");
        GuardTestNet.in(ns, "ip", "addr", "add", "10.77.0.2/24", "dev", "eth1");
        GuardTestNet.in(ns, "ip", "-6", "addr", "add", "fd00:77::2/64", "dev", "eth1", "nodad");
        GuardTestNet.in(ns, "ip", "link", "set", "eth1", "up");
        GuardTestNet.in(ns, "ip", "route", "add", "default", "via", "10.77.0.1");
        GuardTestNet.in(ns, "ip", "route", "add", "192.168.77.0/24", "via", "10.77.0.9", "table", "100");
    }

    /** {@code ip -j -d} of eth1 and its addresses and routes, without the MAC (the parent's, new after a reload). */
    private static String stateWithoutMac(Path ns) {
        return GuardTestNet.state(ns, "eth1").replaceFirst("\"address\":\"[0-9a-f:]+\",", "")
                + GuardTestNet.in(ns, "ip", "-d", "-o", "link", "show", "eth1")
                        .replaceAll("^\\d+: ", "")
                        .replaceAll("link/ether \\S+ brd \\S+", "")
                        .replaceAll("(index|numtxqueues|numrxqueues|gso|tso|gro|parentbus|parentdev)\\S* \\S+", "");
    }

    @ParameterizedTest(name = "ipvlan {0} {1}")
    @CsvSource({"l2, bridge", "l3, private", "l3s, vepa"})
    void restoresAnIpvlanLostWithItsParentFromTheStateFileOfARestartedGuardian(String mode, String flag, TestNetns a)
            throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            giveIpvlan(a.path(), parent.name(), mode, flag);
            GuardTestNet.awaitDad(a.path());
            String before = stateWithoutMac(a.path());
            MacvlanGuardian.Builder b = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())));
            try (MacvlanGuardian g = b.build()) {
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.SNAPSHOT);
                assertThat(g.snapshots())
                        .singleElement()
                        .satisfies(s -> assertThat(s.kindText()).isEqualTo("ipvlan " + mode + " " + flag));
            }
            parent.unload(); // the guardian is down while the parent goes and comes back
            try (MacvlanGuardian g = b.build()) {
                assertThat(g.stateProblems()).isEmpty();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.LOST);
                parent.load();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.REPAIRED);
            }
            assertThat(stateWithoutMac(a.path())).isEqualTo(before);
        }
    }
}
