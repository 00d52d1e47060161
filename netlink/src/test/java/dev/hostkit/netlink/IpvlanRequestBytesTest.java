package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlChannel.Request;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ipvlan and multipath requests compared byte for byte with what iproute2 6.1 sends. This kernel has no ipvlan,
 * so the bytes were captured from the refused requests (x86-64, little-endian):
 * {@code strace -e trace=sendmsg -e write=3 ip link add link hkst0 name hkst0.iv type ipvlan mode l2} (hkst0 = ifindex 3)
 * and {@code strace ... ip route add default nexthop via 10.1.0.1 dev hka0 weight 1 nexthop via 10.2.0.1 dev hkb0 weight 3 onlink}.
 */
class IpvlanRequestBytesTest {
    /** The sequence number ip used in the captures; ours is set to it so whole messages compare. */
    private static final int IP_SEQ = 0x6b0f_c444;

    private static byte[] encode(Request r, int seq) {
        return RequestBytesTest.encode(r, seq);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** `ip link add link hkst0 name hkst0.iv type ipvlan ...`: everything but IFLA_IPVLAN_MODE and _FLAGS is the same. */
    private static byte[] ipLinkAddIpvlan(int mode, int flags) {
        return hex(
                "5c000000 10000506 44c40f6b 00000000" // nlmsghdr: 92, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
                        + "00000000 00000000 00000000 00000000" // ifinfomsg
                        + "08000500 03000000" // IFLA_LINK 3
                        + "0d000300 686b7374 302e6976 00000000" // IFLA_IFNAME "hkst0.iv\0"
                        + "24001200 0a000100 6970766c 616e0000" // IFLA_LINKINFO { IFLA_INFO_KIND "ipvlan" (no NUL)
                        + "14000200 06000100 0" + mode + "000000" //   IFLA_INFO_DATA { IFLA_IPVLAN_MODE u16
                        + "06000200 0" + flags + "000000"); //     IFLA_IPVLAN_FLAGS u16 } }
    }

    @Test
    void ipvlanL2RequestMatchesWhatIpLinkAddSendsByteForByte() {
        byte[] ours = encode(
                Requests.createLink(
                        LinkSpec.ipvlan("hkst0.iv", 3, IpvlanMode.L2, IpvlanFlag.BRIDGE), "hkst0.iv", -1, false),
                IP_SEQ);
        assertThat(ours).hasSize(92).isEqualTo(ipLinkAddIpvlan(0, 0));
    }

    @Test
    void ipvlanL3RequestMatchesWhatIpLinkAddSendsByteForByte() {
        byte[] ours = encode(
                Requests.createLink(
                        LinkSpec.ipvlan("hkst0.iv", 3, IpvlanMode.L3, IpvlanFlag.BRIDGE), "hkst0.iv", -1, false),
                IP_SEQ);
        assertThat(ours).isEqualTo(ipLinkAddIpvlan(1, 0));
    }

    @Test
    void ipvlanModeAndFlagVariantsMatchIp() {
        // `... type ipvlan mode l3s private` and `... mode l2 vepa`
        assertThat(encode(
                        Requests.createLink(
                                LinkSpec.ipvlan("hkst0.iv", 3, IpvlanMode.L3S, IpvlanFlag.PRIVATE),
                                "hkst0.iv",
                                -1,
                                false),
                        IP_SEQ))
                .isEqualTo(ipLinkAddIpvlan(2, 1));
        assertThat(encode(
                        Requests.createLink(
                                LinkSpec.ipvlan("hkst0.iv", 3, IpvlanMode.L2, IpvlanFlag.VEPA), "hkst0.iv", -1, false),
                        IP_SEQ))
                .isEqualTo(ipLinkAddIpvlan(0, 2));
    }

    @Test
    void ipvlanSpecRefusesAMacAndAMissingParentBeforeAnythingIsSent() {
        assertThatThrownBy(() -> LinkSpec.ipvlan("hkiv0", 3, IpvlanMode.L2, IpvlanFlag.BRIDGE)
                        .withMac(MacAddress.parse("02:00:00:00:00:01")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shares its parent's MAC");
        assertThatThrownBy(() -> LinkSpec.ipvlan("hkiv0", 0, IpvlanMode.L3, IpvlanFlag.PRIVATE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a parent");
    }

    @Test
    void multipathRouteMatchesWhatIpRouteAddSendsByteForByte() {
        // ip route add default nexthop via 10.1.0.1 dev hka0(3) weight 1 nexthop via 10.2.0.1 dev hkb0(5) weight 3
        // onlink
        byte[] ip = hex(
                "40000000 18000506 5fc40f6b 00000000" // nlmsghdr: 64, RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
                        + "02000000 fe030001 00000000" // rtmsg: inet, /0, main, boot, universe, unicast
                        + "24000900" // RTA_MULTIPATH
                        + "10000000 03000000 08000500 0a010001" //   rtnexthop{16, flags 0, hops 0, if 3} RTA_GATEWAY
                        + "10000402 05000000 08000500 0a020001"); //   rtnexthop{16, onlink, hops 2, if 5} RTA_GATEWAY
        Route r = Route.defaultRoute(AddressFamily.INET)
                .withNextHops(
                        NextHop.via("10.1.0.1", 3),
                        NextHop.via("10.2.0.1", 5).withWeight(3).onlink());
        byte[] ours = encode(Requests.route(Requests.RouteOp.ADD, r), 0x6b0f_c45f);
        // ip leaves the main table in rtm_table only; hostkit also sends RTA_TABLE (8 bytes at the end), else equal.
        byte[] tail = hex("08000f00 fe000000");
        assertThat(java.util.Arrays.copyOfRange(ours, 4, ip.length))
                .isEqualTo(java.util.Arrays.copyOfRange(ip, 4, ip.length));
        assertThat(java.util.Arrays.copyOfRange(ours, ip.length, ours.length)).isEqualTo(tail);
        assertThat(ours.length).isEqualTo(ip.length + tail.length);
    }

    @Test
    void ipv6GatewayOnAnIpv4MultipathRouteTravelsAsRtaViaAsIpSendsIt() {
        // ip route add 10.9.0.0/16 nexthop via inet6 fe80::1 dev hka0(3) nexthop via 10.2.0.1 dev hkb0(5)
        byte[] ipMultipath = hex("34000900"
                + "20000000 03000000 16001200 0a00fe80 00000000 00000000 00000000 00010100" // RTA_VIA{AF_INET6,
                // fe80::1} + pad
                + "10000000 05000000 08000500 0a020001");
        Route r = Route.to("10.9.0.0/16")
                .withNextHops(new NextHop(Cidr.address("fe80::1"), 3, 1, 0), NextHop.via("10.2.0.1", 5));
        byte[] ours = encode(Requests.route(Requests.RouteOp.ADD, r), 1);
        int at = 16 + 12 + 8; // after nlmsghdr, rtmsg, RTA_DST
        byte[] attr = java.util.Arrays.copyOfRange(ours, at, at + ipMultipath.length);
        // ip pads RTA_VIA with whatever its buffer held (0x01 0x00 above); hostkit pads with zeros, as RTA_ALIGN means.
        ipMultipath[4 + 8 + 22] = 0;
        assertThat(attr).isEqualTo(ipMultipath);
    }

    @Test
    void aRouteWithANexthopObjectSendsOnlyItsIdAsIpDoes() {
        // ip route add 10.7.0.0/16 nhid 7: RTA_DST, RTA_NH_ID 7; the gateway and link the kernel reported stay out.
        Route r = Route.to("10.7.0.0/16").via("10.1.0.1").dev(3).withNexthopId(7);
        byte[] ours = encode(Requests.route(Requests.RouteOp.ADD, r), 1);
        byte[] ip = hex("08000100 0a070000 08001e00 07000000");
        assertThat(java.util.Arrays.copyOfRange(ours, 28, 28 + ip.length)).isEqualTo(ip);
        assertThat(ours.length).isEqualTo(28 + ip.length + 8); // + RTA_TABLE
    }
}
