package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.VlanProtocol;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The incident's own parent: a VLAN ({@code eth0.3}) that the driver reload deletes with its lower device. With
 * recreateVlanParents on, the guardian makes the VLAN again on the returned lower device and then repairs its macvlans.
 * This test kernel has no 802.1Q: there the guardian's request is shown to be sent and refused with EOPNOTSUPP (the
 * request's bytes are checked against iproute2's in RequestBytesTest), and the live part is skipped, saying so.
 */
@HostTest
class VlanParentIT {
    @TempDir
    Path state;

    @Test
    void guardianRecreatesAVlanParentOnItsReturnedLowerDeviceThenRepairsItsMacvlan(TestNetns ns) throws Exception {
        try (GuardTestNet.Parent lower = GuardTestNet.Parent.create()) {
            String vlan = TestNames.next("vl");
            Sh.Result probe =
                    Sh.exec("ip", "link", "add", "link", lower.name(), "name", vlan, "type", "vlan", "id", "3");
            if (!probe.ok()) {
                guardianReportsTheKernelsRefusal(ns, lower, vlan, probe);
                return;
            }
            GuardTestNet.giveMacvlan(ns.path(), vlan, 2, 1500);
            GuardTestNet.awaitDad(ns.path());
            String before = GuardTestNet.state(ns.path(), "eth1");
            try (MacvlanGuardian g = guardian(ns, true)) {
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.SNAPSHOT);
                assertThat(g.snapshots().get(0).parent())
                        .isEqualTo(new HostParent.Vlan(vlan, lower.name(), 3, VlanProtocol.IEEE_802_1Q));
                lower.unload(); // the VLAN and the macvlan go with it
                lower.load(); // the NIC is back; its VLAN is not
                List<GuardEvent> pass = g.reconcileOnce();
                assertThat(pass).extracting(GuardEvent::type).contains(Type.PARENT_RECREATED, Type.REPAIRED);
                assertThat(Sh.run("ip", "-d", "link", "show", vlan)).contains("vlan protocol 802.1Q id 3");
                assertThat(GuardTestNet.state(ns.path(), "eth1")).isEqualTo(before);
            } finally {
                Sh.exec("ip", "link", "del", vlan);
            }
        }
    }

    // No 802.1Q here: a guardian that knows a macvlan on a (now absent) VLAN parent asks for the VLAN on the lower
    // device, the kernel refuses with EOPNOTSUPP, and that is reported as PARENT_RECREATE_FAILED naming the errno.
    private void guardianReportsTheKernelsRefusal(TestNetns ns, GuardTestNet.Parent lower, String vlan, Sh.Result probe)
            throws Exception {
        // iproute2 words the kernel's EOPNOTSUPP for an unknown link kind as "Unknown device type"; the guardian's own
        // event below must name EOPNOTSUPP, the only acceptable reason to skip.
        assertThat(probe.stderr()).containsAnyOf("Unknown device type", "Operation not supported");
        NetNamespace.NsId id;
        try (NetNamespace open = ns.open()) {
            id = open.id();
        }
        NamespaceRef ref = new NamespaceRef(id.device(), id.inode(), 0, 0, ns.path());
        InterfaceSnapshot eth1 = new InterfaceSnapshot(
                ref,
                2,
                "eth1",
                MacAddress.parse("02:42:0a:4d:00:02"),
                1500,
                MacvlanMode.BRIDGE,
                true,
                new HostParent.Vlan(vlan, lower.name(), 3, VlanProtocol.IEEE_802_1Q),
                7,
                List.of(),
                List.of(),
                1L);
        try (SnapshotStore store = new SnapshotStore(state)) {
            store.write(new NamespaceState(ref, List.of(eth1)));
        }

        try (MacvlanGuardian off = guardian(ns, false)) {
            // Recreation off: the guardian only waits (and logs once); it asks the kernel for nothing.
            assertThat(off.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.LOST);
        }
        try (MacvlanGuardian on = guardian(ns, true)) {
            List<GuardEvent> pass = on.reconcileOnce();
            assertThat(pass).extracting(GuardEvent::type).containsExactly(Type.PARENT_RECREATE_FAILED, Type.LOST);
            GuardEvent failed = pass.get(0);
            assertThat(failed.iface()).isEqualTo(vlan);
            assertThat(failed.parent()).isEqualTo(lower.name());
            assertThat(failed.reason()).contains("EOPNOTSUPP");
        }
        assertThat(Sh.exec("ip", "link", "show", vlan).ok()).isFalse();
        Assumptions.abort(
                "this kernel has no 802.1Q VLAN support (ip link add ... type vlan: EOPNOTSUPP); the guardian's "
                        + "VLAN request was sent and refused with EOPNOTSUPP as expected; the live recreate-and-repair part needs 802.1Q");
    }

    private MacvlanGuardian guardian(TestNetns ns, boolean recreateVlans) throws Exception {
        return MacvlanGuardian.builder()
                .stateDir(state)
                .namespaces(NamespaceSource.of(List.of(ns.path())))
                .resync(Duration.ofMillis(300))
                .recreateVlanParents(recreateVlans)
                .build();
    }
}
