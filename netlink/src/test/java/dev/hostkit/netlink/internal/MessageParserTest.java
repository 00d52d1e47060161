package dev.hostkit.netlink.internal;

import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.NetlinkParseException;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.Scope;
import dev.hostkit.netlink.VlanProtocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.hostkit.netlink.internal.RtnlConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageParserTest {
    private final MessageParser parser = new MessageParser();

    /** A kernel-style RTM_NEWLINK for a macvlan with stats-like attributes hostkit does not interpret. */
    static ByteBuffer macvlanLinkMessage() {
        MessageBuilder m = new MessageBuilder(256);
        m.beginMessage(RTM_NEWLINK, NLM_F_MULTI, 7);
        m.ifinfomsg(0, 1, 12, IFF_UP | IFF_BROADCAST | IFF_LOWER_UP, 0);
        m.attrString(IFLA_IFNAME, "hkmv0");
        m.attrU32(IFLA_TXQLEN, 1000);
        m.attrU32(IFLA_MTU, 1400);
        m.attrU8(IFLA_OPERSTATE, 6);
        m.attrBytes(IFLA_ADDRESS, new byte[] {2, 0x42, (byte) 0xac, 0x11, 0, 7});
        m.attrU32(IFLA_LINK, 4);
        m.attrU32(IFLA_LINK_NETNSID, 0);
        int info = m.beginNested(IFLA_LINKINFO);
        m.attrString(IFLA_INFO_KIND, "macvlan");
        int data = m.beginNested(IFLA_INFO_DATA);
        m.attrU32(IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
        m.endNested(data);
        m.endNested(info);
        m.attrBytes(200, new byte[] {1, 2, 3});
        m.endMessage();
        return heapCopy(m);
    }

    static ByteBuffer heapCopy(MessageBuilder m) {
        ByteBuffer w = m.written();
        ByteBuffer b = ByteBuffer.allocate(w.remaining()).order(ByteOrder.nativeOrder());
        b.put(w).flip();
        return b;
    }

    @Test
    void decodesAMacvlanLinkAndKeepsUnknownAttributesRaw() {
        ByteBuffer b = macvlanLinkMessage();
        Link l = parser.link(b, 0, MessageParser.messageLength(b, 0, b.limit()));
        assertThat(l.index()).isEqualTo(12);
        assertThat(l.name()).isEqualTo("hkmv0");
        assertThat(l.mtu()).isEqualTo(1400);
        assertThat(l.mac()).hasToString("02:42:ac:11:00:07");
        assertThat(l.parentIndex()).isEqualTo(4);
        assertThat(l.linkNetnsId()).isZero();
        assertThat(l.isUp()).isTrue();
        assertThat(l.hasCarrier()).isTrue();
        assertThat(l.operState().name()).isEqualTo("UP");
        assertThat(l.kind()).isEqualTo(new LinkKind.Macvlan(MacvlanMode.BRIDGE));
        assertThat(l.otherAttributes().types()).containsExactly(IFLA_TXQLEN, 200);
        assertThat(ByteBuffer.wrap(l.otherAttributes().get(IFLA_TXQLEN))
                        .order(ByteOrder.nativeOrder())
                        .getInt())
                .isEqualTo(1000);
        assertThat(l.otherAttributes().get(200)).containsExactly(1, 2, 3);
        assertThat(l.otherAttributes().get(999)).isNull();
    }

    @Test
    void decodesVlanAndGenericKinds() {
        MessageBuilder m = new MessageBuilder(128);
        m.beginMessage(RTM_NEWLINK, 0, 1);
        m.ifinfomsg(0, 1, 3, 0, 0);
        m.attrString(IFLA_IFNAME, "hkv.5");
        int info = m.beginNestedPlain(IFLA_LINKINFO);
        m.attrBytes(IFLA_INFO_KIND, "vlan".getBytes(StandardCharsets.US_ASCII));
        int data = m.beginNestedPlain(IFLA_INFO_DATA);
        m.attrU16(IFLA_VLAN_ID, 5);
        m.attrU16Be(IFLA_VLAN_PROTOCOL, ETH_P_8021AD);
        m.endNested(data);
        m.endNested(info);
        m.endMessage();
        m.beginMessage(RTM_NEWLINK, 0, 1);
        m.ifinfomsg(0, 1, 4, 0, 0);
        m.attrString(IFLA_IFNAME, "hkbr");
        int info2 = m.beginNested(IFLA_LINKINFO);
        m.attrString(IFLA_INFO_KIND, "bridge");
        m.endNested(info2);
        int second = m.endMessage();
        ByteBuffer b = heapCopy(m);
        Link vlan = parser.link(b, 0, MessageParser.messageLength(b, 0, b.limit()));
        assertThat(vlan.kind()).isEqualTo(new LinkKind.Vlan(5, VlanProtocol.IEEE_802_1AD));
        Link br = parser.link(b, second, MessageParser.messageLength(b, second, b.limit()));
        assertThat(br.kind()).isEqualTo(new LinkKind.Generic("bridge"));
        assertThat(br.mac()).isNull();
        assertThat(br.linkNetnsId()).isEqualTo(-1);
    }

    @Test
    void decodesAddressesWithExtendedFlagsAndRoutes() {
        MessageBuilder m = new MessageBuilder(128);
        m.beginMessage(RTM_NEWADDR, 0, 1);
        m.ifaddrmsg(10, 64, 0x80, 0, 5);
        m.attrBytes(IFA_ADDRESS, new byte[] {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
        m.attrU32(IFA_FLAGS, 0x80 | 0x02);
        m.endMessage();
        ByteBuffer b = heapCopy(m);
        Address a = parser.address(b, 0, b.limit());
        assertThat(a.cidr()).isEqualTo("fd00::2/64");
        assertThat(a.has(AddressFlag.NODAD)).isTrue();
        assertThat(a.has(AddressFlag.PERMANENT)).isTrue();
        assertThat(a.scope()).isEqualTo(Scope.UNIVERSE);

        m.clear().beginMessage(RTM_NEWROUTE, 0, 1);
        m.rtmsg(2, 0, 0, 0, 254, 3, 0, 1, RTNH_F_ONLINK);
        m.attrBytes(RTA_GATEWAY, new byte[] {10, 0, 0, 1});
        m.attrU32(RTA_OIF, 5);
        m.attrU32(RTA_TABLE, 1000);
        m.endMessage();
        b = heapCopy(m);
        Route r = parser.route(b, 0, b.limit());
        assertThat(r.isDefault()).isTrue();
        assertThat(r.isOnlink()).isTrue();
        assertThat(r.table()).isEqualTo(1000);
        assertThat(r.outputIndex()).isEqualTo(5);
        assertThat(r.gateway().getHostAddress()).isEqualTo("10.0.0.1");
    }

    @Test
    void malformedLengthsGiveTheTypedParseError() {
        ByteBuffer b = macvlanLinkMessage();
        int len = b.limit();
        assertThatThrownBy(() -> MessageParser.messageLength(b, 0, len - 1))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("nlmsg_len");
        assertThatThrownBy(() -> MessageParser.messageLength(b, 0, 10))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("truncated nlmsghdr");
        // An attribute claiming more than the message holds.
        b.putShort(32, (short) 4000);
        assertThatThrownBy(() -> parser.link(b, 0, len))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("rtattr length 4000");
        // An attribute length below the header size would loop forever if accepted.
        b.putShort(32, (short) 2);
        assertThatThrownBy(() -> parser.link(b, 0, len)).isInstanceOf(NetlinkParseException.class);
        // A u32 attribute (IFLA_MTU, after IFLA_IFNAME and IFLA_TXQLEN) that is too short.
        ByteBuffer c = macvlanLinkMessage();
        assertThat(c.getShort(32 + 12 + 8 + 2)).isEqualTo((short) IFLA_MTU);
        c.putShort(32 + 12 + 8, (short) 6);
        assertThatThrownBy(() -> parser.link(c, 0, len)).isInstanceOf(NetlinkParseException.class);
    }

    @Test
    void readsTheExtendedAckMessageOfAnError() {
        MessageBuilder m = new MessageBuilder(128);
        m.beginMessage(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 9);
        m.ifinfomsg(0, 0, 0, 0, 0); // 16 zero bytes: int error (set below) and 12 bytes of the echoed nlmsghdr
        m.rtgenmsg(0); // the echoed header's last 4 bytes; NLM_F_CAPPED means no payload follows it
        m.attrString(NLMSGERR_ATTR_MSG, "Invalid MTU");
        m.endMessage();
        ByteBuffer b = heapCopy(m);
        b.putInt(16, -22);
        assertThat(MessageParser.errorCode(b, 0, b.limit())).isEqualTo(22);
        assertThat(parser.extAck(b, 0, b.limit())).isEqualTo("Invalid MTU");
    }
}
