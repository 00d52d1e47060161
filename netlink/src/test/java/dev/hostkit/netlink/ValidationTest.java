package dev.hostkit.netlink;

import dev.hostkit.core.NetNamespace;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad input is refused with a clear message before anything reaches the kernel. */
class ValidationTest {
    @Test
    void refusesInterfaceNamesTheKernelWouldRefuse() {
        assertThatThrownBy(() -> LinkNames.check("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> LinkNames.check("abcdefghijklmnop")).hasMessageContaining("16 bytes, at most 15");
        assertThatThrownBy(() -> LinkNames.check("ab/c")).hasMessageContaining("'/'");
        assertThatThrownBy(() -> LinkNames.check("eth0:1")).hasMessageContaining("':'");
        assertThatThrownBy(() -> LinkNames.check("a b")).hasMessageContaining("whitespace");
        assertThatThrownBy(() -> LinkNames.check("a\tb")).hasMessageContaining("whitespace");
        assertThatThrownBy(() -> LinkNames.check("..")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> LinkNames.check("éééééééé")).hasMessageContaining("16 bytes");
        assertThat(LinkNames.check("abcdefghijklmno")).hasSize(15);
        assertThatThrownBy(() -> LinkSpec.macvlan("bad name", 2, MacvlanMode.BRIDGE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkSpec.veth("hk0", "bad/peer", null)).hasMessageContaining("'/'");
    }

    @Test
    void refusesMtuOutsideTheAcceptedRange() {
        LinkSpec spec = LinkSpec.macvlan("hk0", 2, MacvlanMode.BRIDGE);
        assertThatThrownBy(() -> spec.withMtu(67)).hasMessageContaining("MTU of 'hk0' must be in 68..65536, was 67");
        assertThatThrownBy(() -> spec.withMtu(65537)).hasMessageContaining("was 65537");
        assertThatThrownBy(() -> spec.withMtu(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(spec.withMtu(9000).mtu()).isEqualTo(9000);
    }

    @Test
    void refusesMalformedMacAddresses() {
        assertThatThrownBy(() -> MacAddress.parse("02:00:00:00:00"))
                .hasMessageContaining("malformed MAC address '02:00:00:00:00'");
        assertThatThrownBy(() -> MacAddress.parse("02-00-00-00-00-01")).hasMessageContaining("expected ':'");
        assertThatThrownBy(() -> MacAddress.parse("0g:00:00:00:00:01")).hasMessageContaining("'0g' is not hex");
        assertThatThrownBy(() -> MacAddress.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MacAddress.of(new byte[5])).hasMessageContaining("6 bytes");
        MacAddress mac = MacAddress.parse("02:AB:cd:00:00:01");
        assertThat(mac).hasToString("02:ab:cd:00:00:01");
        assertThat(MacAddress.of(mac.bytes())).isEqualTo(mac);
        assertThat(mac.isLocallyAdministered()).isTrue();
    }

    @Test
    void refusesVlanIdsOutside1To4094() {
        assertThatThrownBy(() -> LinkSpec.vlan("hkv", 2, 0, VlanProtocol.IEEE_802_1Q))
                .hasMessageContaining("1..4094, was 0");
        assertThatThrownBy(() -> LinkSpec.vlan("hkv", 2, 4095, VlanProtocol.IEEE_802_1Q))
                .hasMessageContaining("was 4095");
        assertThat(LinkSpec.vlan("hkv", 2, 4094, VlanProtocol.IEEE_802_1AD).kind())
                .isEqualTo(new LinkKind.Vlan(4094, VlanProtocol.IEEE_802_1AD));
    }

    @Test
    void refusesMacvlanAndVlanWithoutParent() {
        assertThatThrownBy(() -> LinkSpec.macvlan("hk0", 0, MacvlanMode.BRIDGE))
                .hasMessageContaining("macvlan link 'hk0' needs a parent link");
        assertThatThrownBy(() -> LinkSpec.vlan("hk0", -3, 5, VlanProtocol.IEEE_802_1Q))
                .hasMessageContaining("needs a parent");
        assertThatThrownBy(() -> LinkSpec.veth("hk0", null, null)).hasMessageContaining("needs a peer name");
        assertThatThrownBy(() -> new LinkSpec("hk0", LinkKind.Generic.NONE, 0, 0, null, false, null))
                .hasMessageContaining("needs a kind");
    }

    @Test
    void refusesAClosedNamespace() {
        NetNamespace ns = NetNamespace.current();
        ns.close();
        assertThatThrownBy(() -> LinkSpec.macvlan("hk0", 2, MacvlanMode.BRIDGE).inNamespace(ns))
                .hasMessageContaining("is closed");
        assertThatThrownBy(() -> LinkSpec.veth("hk0", "hk1", ns)).hasMessageContaining("is closed");
        assertThatThrownBy(() -> RtNetlink.open(ns))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("closed namespace");
    }

    @Test
    void refusesBadAddressesAndRoutes() {
        assertThatThrownBy(() -> Address.of(1, "10.0.0.1/33")).hasMessageContaining("0..32");
        assertThatThrownBy(() -> Address.of(1, "10.0.0.256/24")).hasMessageContaining("not an IP address literal");
        assertThatThrownBy(() -> Address.of(1, "example.com")).hasMessageContaining("not an IP address literal");
        assertThatThrownBy(() -> Address.of(0, "10.0.0.1/24")).hasMessageContaining("link index");
        assertThatThrownBy(() -> Address.of(1, "fd00::1/129")).hasMessageContaining("0..128");
        assertThatThrownBy(() -> Address.of(1, "10.0.0.1/24").withLabel("a-label-of-16-by"))
                .hasMessageContaining("1..15 bytes");
        assertThatThrownBy(() -> Route.to("fd00::/8").via("10.0.0.1"))
                .hasMessageContaining("not of the route's family");
        assertThat(Route.to("10.0.0.0/8").via("fe80::1").gateway())
                .as("IPv4 via IPv6 (RFC 5549, RTA_VIA)")
                .isEqualTo(Cidr.address("fe80::1"));
        assertThatThrownBy(() -> Route.to("10.0.0.0/8")
                        .via("10.0.0.1")
                        .withNextHops(NextHop.via("10.0.0.2", 3))
                        .dev(4))
                .hasMessageContaining("in its next hops");
        assertThatThrownBy(() -> NextHop.via("10.0.0.1", 3).withWeight(257)).hasMessageContaining("1..256");
        assertThatThrownBy(() -> new NextHop(null, 0, 1, 0)).hasMessageContaining("gateway or an output link");
        assertThatThrownBy(() -> Route.to("10.0.0.0/x")).hasMessageContaining("malformed prefix length");
    }

    @Test
    void printsAddressesAsIpDoes() {
        assertThat(Cidr.parse("fd77:0:0:0:0:0:0:2/64")).hasToString("fd77::2/64");
        assertThat(Cidr.text(Cidr.address("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(Cidr.text(Cidr.address("::"))).isEqualTo("::");
        assertThat(Cidr.text(Cidr.address("::1"))).isEqualTo("::1");
        assertThat(Cidr.text(Cidr.address("fe80::"))).isEqualTo("fe80::");
        assertThat(Cidr.text(Cidr.address("2001:db8:1:1:1:1:0:1"))).isEqualTo("2001:db8:1:1:1:1:0:1");
        assertThat(Route.to("10.1.0.0/16").destinationText()).isEqualTo("10.1.0.0/16");
        assertThat(Route.to("10.1.0.7/32").destinationText()).isEqualTo("10.1.0.7");
        assertThat(Scope.of(253)).isSameAs(Scope.LINK);
    }
}
