package dev.hostkit.guard;

import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.IpvlanFlag;
import dev.hostkit.netlink.IpvlanMode;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.OperState;
import dev.hostkit.netlink.RawAttributes;
import dev.hostkit.netlink.Route;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** A snapshot from kernel link values, the same for a macvlan and for each kind of ipvlan (which has its parent's MAC). */
class LiveLinksTest {
    private static final int IFF_UP = 1;
    private static final MacAddress PARENT_MAC = MacAddress.parse("02:00:00:00:00:05");

    private static Link link(int index, String name, int parent, MacAddress mac, LinkKind kind) {
        return new Link(
                index,
                name,
                IFF_UP,
                OperState.UP,
                1400,
                mac,
                parent,
                parent == 0 ? -1 : 0,
                0,
                kind,
                RawAttributes.EMPTY);
    }

    static Stream<Arguments> kinds() {
        return Stream.of(
                arguments(
                        new LinkKind.Macvlan(MacvlanMode.BRIDGE),
                        MacAddress.parse("02:42:ac:11:00:02"),
                        "macvlan bridge"),
                arguments(new LinkKind.Ipvlan(IpvlanMode.L2, IpvlanFlag.BRIDGE), PARENT_MAC, "ipvlan l2 bridge"),
                arguments(new LinkKind.Ipvlan(IpvlanMode.L3, IpvlanFlag.PRIVATE), PARENT_MAC, "ipvlan l3 private"),
                arguments(new LinkKind.Ipvlan(IpvlanMode.L3S, IpvlanFlag.VEPA), PARENT_MAC, "ipvlan l3s vepa"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("kinds")
    void snapshotsKindModeFlagAddressesAndRoutesOfAGuardedChild(LinkKind kind, MacAddress mac, String text)
            throws Exception {
        GuardNet.HostLinks host =
                new GuardNet.HostLinks(List.of(link(5, "hkpar0", 0, PARENT_MAC, new LinkKind.Generic("veth"))));
        Link eth1 = link(7, "eth1", 5, mac, kind);
        Link lo = link(1, "lo", 0, null, LinkKind.Generic.NONE);
        List<Address> addrs = List.of(
                Address.of(7, "10.9.0.2/24").withFlags(AddressFlag.PERMANENT),
                Address.of(7, "fd00:9::2/64").withFlags(AddressFlag.PERMANENT),
                Address.of(7, "fd00:9::99/64"), // learnt: left out
                Address.of(1, "127.0.0.1/8"));
        List<Route> routes = List.of(
                Route.defaultRoute(AddressFamily.INET).via("10.9.0.1").dev(7),
                Route.to("10.9.0.0/24").dev(7).withProtocol(Route.PROTOCOL_KERNEL), // made by the kernel: left out
                Route.to("10.8.0.0/16").via("10.9.0.1").dev(1));
        GuardNet.NsView view = new GuardNet.NsView(List.of(lo, eth1), addrs, routes, List.of(lo, eth1));

        assertThat(LiveLinks.isGuardedKind(eth1)).isTrue();
        assertThat(LiveLinks.isGuardedKind(lo)).isFalse();
        InterfaceSnapshot s = LiveLinks.snapshotOf(Snapshots.ns(4026532990L), eth1, host, view);
        assertThat(s.kind()).isEqualTo(kind);
        assertThat(s.kindText()).isEqualTo(text);
        assertThat(s.isIpvlan()).isEqualTo(kind instanceof LinkKind.Ipvlan);
        assertThat(s.mac()).isEqualTo(mac);
        assertThat(s.mtu()).isEqualTo(1400);
        assertThat(s.parent()).isEqualTo(new HostParent.Existing("hkpar0"));
        assertThat(s.addresses()).extracting(Address::cidr).containsExactly("10.9.0.2/24", "fd00:9::2/64");
        assertThat(s.routes()).containsExactly(routes.get(0));
        // What the state file keeps of it reads back equal.
        SnapshotCodec.NamespaceState state = new SnapshotCodec.NamespaceState(s.namespace(), List.of(s));
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(state)).state()).isEqualTo(state);
    }
}
