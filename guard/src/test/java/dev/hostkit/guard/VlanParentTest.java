package dev.hostkit.guard;

import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.OperState;
import dev.hostkit.netlink.RawAttributes;
import dev.hostkit.netlink.VlanProtocol;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A macvlan on a VLAN parent remembers the VLAN (lower device, id, protocol), so the guardian can make it again. */
class VlanParentTest {
    private static Link link(int index, String name, int parent, LinkKind kind) {
        return new Link(
                index,
                name,
                0,
                OperState.UP,
                1500,
                MacAddress.parse(String.format("02:00:00:00:00:%02x", index)),
                parent,
                -1,
                0,
                kind,
                RawAttributes.EMPTY);
    }

    private final GuardNet.HostLinks host = new GuardNet.HostLinks(List.of(
            link(2, "eth0", 0, new LinkKind.Generic("")),
            link(9, "eth0.3", 2, new LinkKind.Vlan(3, VlanProtocol.IEEE_802_1Q)),
            link(10, "bond4.7", 11, new LinkKind.Vlan(7, VlanProtocol.IEEE_802_1AD))));

    @Test
    void parentThatIsAVlanIsRememberedWithItsLowerDeviceIdAndProtocol() {
        assertThat(LiveLinks.hostParentOf(9, host))
                .isEqualTo(new HostParent.Vlan("eth0.3", "eth0", 3, VlanProtocol.IEEE_802_1Q));
        assertThat(LiveLinks.hostParentOf(2, host)).isEqualTo(new HostParent.Existing("eth0"));
        // A VLAN whose lower device is not in the host namespace cannot be made again: waited for like any parent.
        assertThat(LiveLinks.hostParentOf(10, host)).isEqualTo(new HostParent.Existing("bond4.7"));
    }

    @Test
    void vlanParentRoundTripsThroughTheStateFile() throws Exception {
        NamespaceRef ns = Snapshots.ns(4026532777L);
        InterfaceSnapshot eth1 = Snapshots.eth1(ns);
        InterfaceSnapshot onVlan = new InterfaceSnapshot(
                ns,
                eth1.ifindex(),
                eth1.name(),
                eth1.mac(),
                eth1.mtu(),
                eth1.mode(),
                eth1.up(),
                new HostParent.Vlan("bond4.3", "bond4", 3, VlanProtocol.IEEE_802_1AD),
                12,
                eth1.addresses(),
                eth1.routes(),
                eth1.takenAtMillis());
        NamespaceState state = new NamespaceState(ns, List.of(onVlan));
        String text = SnapshotCodec.encode(state);
        assertThat(text)
                .contains(
                        "\"kind\":\"vlan\",\"name\":\"bond4.3\",\"lower\":\"bond4\",\"id\":3,\"protocol\":\"802.1ad\"");
        assertThat(SnapshotCodec.decode(text).state()).isEqualTo(state);
        assertThat(SnapshotCodec.decode(text.replace("\"id\":3", "\"id\":4095")).refused())
                .containsExactly("field \"interfaces[0].parent.id\": 4095 is out of range 1..4094");
        assertThat(SnapshotCodec.decode(text.replace("802.1ad", "isl")).refused())
                .containsExactly("field \"interfaces[0].parent.protocol\": unknown VLAN protocol 'isl'");
    }

    @Test
    void stateFilesWrittenBeforeVlanParentsStillRead() throws Exception {
        NamespaceRef ns = Snapshots.ns(4026532778L);
        String text = SnapshotCodec.encode(new NamespaceState(ns, List.of(Snapshots.eth1(ns))));
        assertThat(text).contains("\"parent\":{\"kind\":\"existing\",\"name\":\"hkpar0\",\"index\":5}");
        assertThat(SnapshotCodec.decode(text).state().interfaces().get(0).parent())
                .isEqualTo(new HostParent.Existing("hkpar0"));
    }
}
