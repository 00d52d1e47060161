package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.MessageBuilder;
import dev.hostkit.netlink.internal.RtnlChannel.Request;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests compared byte for byte with layouts built by hand from the kernel's uapi structs. */
class RequestBytesTest {
    private static final int SEQ = 0x6b09_3a37;

    private static byte[] encode(Request r) {
        return encode(r, SEQ);
    }

    /** The request as the channel sends it with sequence number {@code seq}. */
    static byte[] encode(Request r, int seq) {
        MessageBuilder m = new MessageBuilder(64);
        m.beginMessage(r.type(), r.flags() | 0x01 | 0x04, seq); // NLM_F_REQUEST | NLM_F_ACK, as the channel adds them
        r.body().write(m);
        m.endMessage();
        ByteBuffer w = m.written();
        byte[] out = new byte[w.remaining()];
        w.get(out);
        return out;
    }

    /** Little helper writing uapi structs in native order. */
    private static final class Expected {
        final ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());

        Expected nlmsghdr(int len, int type, int flags) {
            b.putInt(len)
                    .putShort((short) type)
                    .putShort((short) flags)
                    .putInt(SEQ)
                    .putInt(0);
            return this;
        }

        Expected ifinfomsg() {
            b.put((byte) 0)
                    .put((byte) 0)
                    .putShort((short) 0)
                    .putInt(0)
                    .putInt(0)
                    .putInt(0);
            return this;
        }

        Expected rta(int len, int type) {
            b.putShort((short) len).putShort((short) type);
            return this;
        }

        Expected u32(int v) {
            b.putInt(v);
            return this;
        }

        Expected bytes(byte[] v, int padTo) {
            b.put(v);
            for (int i = v.length; i < padTo; i++) {
                b.put((byte) 0);
            }
            return this;
        }

        byte[] done() {
            byte[] out = new byte[b.position()];
            b.flip().get(out);
            return out;
        }
    }

    @Test
    void vlanRequestMatchesWhatIpLinkAddSendsByteForByte() {
        // `strace -x -e sendmsg ip link add link hksv0 name hksv0.3 type vlan id 3` (parent ifindex 3) sent exactly:
        // nlmsghdr{76, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE}, ifinfomsg{0}, IFLA_LINK=3, IFLA_IFNAME "hksv0.3\0",
        // IFLA_LINKINFO{IFLA_INFO_KIND "vlan" (no NUL), IFLA_INFO_DATA{IFLA_VLAN_ID u16 3}}.
        byte[] expected = new Expected()
                .nlmsghdr(76, 16, 0x01 | 0x04 | 0x200 | 0x400)
                .ifinfomsg()
                .rta(8, 5)
                .u32(3)
                .rta(12, 3)
                .bytes("hksv0.3\0".getBytes(StandardCharsets.US_ASCII), 8)
                .rta(24, 18)
                .rta(8, 1)
                .bytes("vlan".getBytes(StandardCharsets.US_ASCII), 4)
                .rta(12, 2)
                .rta(6, 1)
                .bytes(new byte[] {3, 0}, 4)
                .done();
        byte[] ours = encode(
                Requests.createLink(LinkSpec.vlan("hksv0.3", 3, 3, VlanProtocol.IEEE_802_1Q), "hksv0.3", -1, false));
        assertThat(ours).hasSize(76).isEqualTo(expected);
    }

    @Test
    void qinqVlanCarriesTheProtocolInNetworkByteOrder() {
        byte[] ours = encode(
                Requests.createLink(LinkSpec.vlan("hkq0", 7, 4094, VlanProtocol.IEEE_802_1AD), "hkq0", -1, false));
        byte[] tail = new Expected()
                .rta(20, 2)
                .rta(6, 1)
                .bytes(new byte[] {(byte) 0xfe, 0x0f}, 4)
                .rta(6, 5)
                .bytes(new byte[] {(byte) 0x88, (byte) 0xa8}, 4)
                .done();
        byte[] end = java.util.Arrays.copyOfRange(ours, ours.length - tail.length, ours.length);
        assertThat(end).isEqualTo(tail);
        ByteBuffer b = ByteBuffer.wrap(ours).order(ByteOrder.nativeOrder());
        assertThat(b.getInt(0)).isEqualTo(ours.length);
    }

    @Test
    void macvlanCreatedInAnotherNamespaceCarriesNetNsFdModeMtuAndMac() {
        LinkSpec spec = LinkSpec.macvlan("hkm0", 9, MacvlanMode.BRIDGE)
                .withMtu(1400)
                .withMac(MacAddress.parse("02:00:00:00:00:01"));
        byte[] ours = encode(Requests.createLink(spec, "hkt000000000000", 42, false));
        byte[] expected = new Expected()
                .nlmsghdr(ours.length, 16, 0x01 | 0x04 | 0x200 | 0x400)
                .ifinfomsg()
                .rta(8, 5)
                .u32(9)
                .rta(20, 3)
                .bytes("hkt000000000000\0".getBytes(StandardCharsets.US_ASCII), 16)
                .rta(8, 4)
                .u32(1400)
                .rta(10, 1)
                .bytes(new byte[] {2, 0, 0, 0, 0, 1}, 8)
                .rta(8, 28)
                .u32(42)
                .rta(28, 18) // 4 + kind (11, padded to 12) + data (12)
                .rta(11, 1)
                .bytes("macvlan".getBytes(StandardCharsets.US_ASCII), 8)
                .rta(12, 2)
                .rta(8, 1)
                .u32(4)
                .done();
        assertThat(ours).isEqualTo(expected);
    }

    @Test
    void upOnCreateSetsIffUpInFlagsAndChange() {
        byte[] ours = encode(Requests.createLink(
                LinkSpec.macvlan("hkm1", 2, MacvlanMode.PRIVATE).up(), "hkm1", -1, true));
        ByteBuffer b = ByteBuffer.wrap(ours).order(ByteOrder.nativeOrder());
        assertThat(b.getInt(16 + 8)).isEqualTo(1);
        assertThat(b.getInt(16 + 12)).isEqualTo(1);
    }

    @Test
    void routeRequestsUseLinkScopeForDirectRoutesAndAnyScopeForDeletes() {
        byte[] add = encode(
                Requests.route(Requests.RouteOp.ADD, Route.to("10.9.0.0/16").dev(5)));
        assertThat(Byte.toUnsignedInt(add[16 + 6])).isEqualTo(253);
        assertThat(Byte.toUnsignedInt(add[16 + 5])).isEqualTo(Route.PROTOCOL_BOOT);
        byte[] del = encode(Requests.route(Requests.RouteOp.DELETE, Route.to("10.9.0.0/16")));
        assertThat(Byte.toUnsignedInt(del[16 + 6])).isEqualTo(255);
        assertThat(Byte.toUnsignedInt(del[16 + 5])).isZero();
        byte[] onlink = encode(Requests.route(
                Requests.RouteOp.ADD,
                Route.to("10.9.0.0/16").via("192.0.2.1").dev(5).onlink()));
        assertThat(ByteBuffer.wrap(onlink).order(ByteOrder.nativeOrder()).getInt(16 + 8))
                .isEqualTo(4);
    }
}
