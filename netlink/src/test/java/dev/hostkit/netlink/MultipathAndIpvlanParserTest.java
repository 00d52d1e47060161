package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.MessageBuilder;
import dev.hostkit.netlink.internal.MessageParser;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static dev.hostkit.netlink.internal.RtnlConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ipvlan links and multipath routes decoded from kernel-style messages built here. */
public class MultipathAndIpvlanParserTest {
    private final MessageParser parser = new MessageParser();

    /** An RTM_NEWLINK for an ipvlan as the kernel dumps it (u16 mode and flags, NLA_F_NESTED set). */
    public static ByteBuffer ipvlanLinkMessage(int mode, int flags, boolean withData) {
        MessageBuilder m = new MessageBuilder(256);
        m.beginMessage(RTM_NEWLINK, NLM_F_MULTI, 5);
        m.ifinfomsg(0, 1, 9, IFF_UP | IFF_BROADCAST, 0);
        m.attrString(IFLA_IFNAME, "hkiv0");
        m.attrU32(IFLA_MTU, 1500);
        m.attrBytes(IFLA_ADDRESS, new byte[] {2, 0x42, (byte) 0xac, 0x11, 0, 2}); // the parent's MAC
        m.attrU32(IFLA_LINK, 4);
        int info = m.beginNested(IFLA_LINKINFO);
        m.attrString(IFLA_INFO_KIND, "ipvlan");
        if (withData) {
            int data = m.beginNested(IFLA_INFO_DATA);
            m.attrU16(IFLA_IPVLAN_MODE, mode);
            m.attrU16(IFLA_IPVLAN_FLAGS, flags);
            m.endNested(data);
        }
        m.endNested(info);
        m.endMessage();
        return heapCopy(m);
    }

    /** An RTM_NEWROUTE for a two-hop IPv4 default route, second hop onlink with weight 3, as the kernel dumps it. */
    public static ByteBuffer ipv4MultipathRouteMessage() {
        MessageBuilder m = new MessageBuilder(256);
        m.beginMessage(RTM_NEWROUTE, NLM_F_MULTI, 5);
        m.rtmsg(AddressFamily.INET.number(), 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0);
        m.attrU32(RTA_TABLE, RT_TABLE_MAIN);
        int mp = m.beginNestedPlain(RTA_MULTIPATH);
        int h1 = m.beginNextHop(0, 0, 3);
        m.attrBytes(RTA_GATEWAY, new byte[] {10, 1, 0, 1});
        m.endNested(h1);
        int h2 = m.beginNextHop(RTNH_F_ONLINK, 2, 5);
        m.attrBytes(RTA_GATEWAY, new byte[] {10, 2, 0, 1});
        m.endNested(h2);
        m.endNested(mp);
        m.endMessage();
        return heapCopy(m);
    }

    static ByteBuffer heapCopy(MessageBuilder m) {
        ByteBuffer w = m.written();
        ByteBuffer b = ByteBuffer.allocate(w.remaining()).order(ByteOrder.nativeOrder());
        b.put(w).flip();
        return b;
    }

    private Route route(ByteBuffer b) {
        return parser.route(b, 0, MessageParser.messageLength(b, 0, b.limit()));
    }

    @Test
    void decodesIpvlanModeAndFlags() {
        for (IpvlanMode mode : IpvlanMode.values()) {
            for (IpvlanFlag flag : IpvlanFlag.values()) {
                ByteBuffer b = ipvlanLinkMessage(mode.value(), flag.value(), true);
                Link l = parser.link(b, 0, b.limit());
                assertThat(l.kind()).isEqualTo(new LinkKind.Ipvlan(mode, flag));
                assertThat(l.parentIndex()).isEqualTo(4);
                assertThat(l.mac()).hasToString("02:42:ac:11:00:02");
            }
        }
    }

    @Test
    void ipvlanWithoutDataGetsTheKernelDefaultsL3AndBridge() {
        ByteBuffer b = ipvlanLinkMessage(0, 0, false);
        assertThat(parser.link(b, 0, b.limit()).kind())
                .isEqualTo(new LinkKind.Ipvlan(IpvlanMode.L3, IpvlanFlag.BRIDGE));
    }

    @Test
    void ipvlanWithUnknownModeOrBothPrivateAndVepaIsAParseError() {
        ByteBuffer bad = ipvlanLinkMessage(7, 0, true);
        assertThatThrownBy(() -> parser.link(bad, 0, bad.limit()))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("ipvlan mode 7");
        ByteBuffer both = ipvlanLinkMessage(0, 3, true);
        assertThatThrownBy(() -> parser.link(both, 0, both.limit()))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("ipvlan flags 0x3");
    }

    @Test
    void decodesAnIpv4MultipathRouteWithWeightsAndFlags() {
        Route r = route(ipv4MultipathRouteMessage());
        assertThat(r.isDefault()).isTrue();
        assertThat(r.family()).isEqualTo(AddressFamily.INET);
        assertThat(r.gateway()).isNull();
        assertThat(r.outputIndex()).isZero();
        assertThat(r.nextHops())
                .containsExactly(
                        new NextHop(Cidr.address("10.1.0.1"), 3, 1, 0),
                        new NextHop(Cidr.address("10.2.0.1"), 5, 3, RTNH_F_ONLINK));
        assertThat(r.usesLink(5)).isTrue();
        assertThat(r.usesLink(4)).isFalse();
    }

    @Test
    void decodesIpv6MultipathAndAnIpv6ViaOnIpv4AndTheNexthopId() {
        MessageBuilder m = new MessageBuilder(256);
        m.beginMessage(RTM_NEWROUTE, NLM_F_MULTI, 5);
        m.rtmsg(AddressFamily.INET6.number(), 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0);
        m.attrU32(RTA_PRIORITY, 1024);
        int mp = m.beginNestedPlain(RTA_MULTIPATH);
        int h1 = m.beginNextHop(RTNH_F_DEAD | RTNH_F_LINKDOWN, 0, 3);
        m.attrBytes(RTA_GATEWAY, Cidr.address("fd01::1").getAddress());
        m.endNested(h1);
        int h2 = m.beginNextHop(0, 1, 5);
        m.attrBytes(RTA_GATEWAY, Cidr.address("fd02::1").getAddress());
        m.endNested(h2);
        m.endNested(mp);
        m.attrU32(RTA_NH_ID, 12);
        m.endMessage();
        Route v6 = route(heapCopy(m));
        assertThat(v6.family()).isEqualTo(AddressFamily.INET6);
        assertThat(v6.priority()).isEqualTo(1024);
        assertThat(v6.nexthopId()).isEqualTo(12);
        assertThat(v6.nextHops()).hasSize(2);
        assertThat(v6.nextHops().get(0).isDown()).isTrue();
        assertThat(v6.nextHops().get(1)).isEqualTo(new NextHop(Cidr.address("fd02::1"), 5, 2, 0));

        Route via = Route.to("10.9.0.0/16")
                .withNextHops(new NextHop(Cidr.address("fe80::1"), 3, 1, 0), NextHop.via("10.2.0.1", 5));
        assertThat(route(request(via))).isEqualTo(via);
    }

    /** What hostkit sends to add {@code r}, read back with the dump parser: requests and dumps share the layout. */
    private static ByteBuffer request(Route r) {
        MessageBuilder m = new MessageBuilder(128);
        var req = Requests.route(Requests.RouteOp.ADD, r);
        m.beginMessage(req.type(), req.flags(), 1);
        req.body().write(m);
        m.endMessage();
        return heapCopy(m);
    }

    @Test
    void roundTripsMultipathRoutesOfBothFamilies() {
        List<Route> routes = List.of(
                Route.defaultRoute(AddressFamily.INET)
                        .withNextHops(
                                NextHop.via("10.1.0.1", 3),
                                NextHop.via("10.2.0.1", 5).withWeight(256).onlink()),
                Route.to("fd00:9::/64")
                        .withMetric(0)
                        .withNextHops(NextHop.via("fd01::1", 3).withWeight(2), NextHop.dev(5)));
        for (Route r : routes) {
            assertThat(route(request(r))).isEqualTo(r);
        }
    }

    @Test
    void malformedNextHopsGiveTheTypedParseError() {
        ByteBuffer b = ipv4MultipathRouteMessage();
        int mp = 16 + 12 + 8; // nlmsghdr, rtmsg, RTA_TABLE
        b.putShort(mp + 4, (short) 200); // first rtnh_len beyond RTA_MULTIPATH
        assertThatThrownBy(() -> route(b))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("rtnh_len 200");
        ByteBuffer c = ipv4MultipathRouteMessage();
        c.putShort(mp + 4, (short) 4); // shorter than struct rtnexthop
        assertThatThrownBy(() -> route(c))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("rtnh_len 4");
        ByteBuffer d = ipv4MultipathRouteMessage();
        d.putShort(mp + 4 + 8, (short) 6); // RTA_GATEWAY of 2 bytes
        assertThatThrownBy(() -> route(d)).isInstanceOf(NetlinkParseException.class);
    }
}
