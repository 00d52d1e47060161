package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.MessageBuilder;
import dev.hostkit.netlink.internal.UnixDiagParser;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnixDiagParserTest {
    @Test
    void requestIsTheStructSsSends() {
        MessageBuilder m = new MessageBuilder(64);
        m.beginMessage(20, 0x301, 7);
        UnixDiagParser.request(m, UnixDiagParser.SHOW);
        m.endMessage();
        ByteBuffer b = m.written();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        // nlmsghdr(40 bytes, SOCK_DIAG_BY_FAMILY, REQUEST|DUMP, seq 7) + unix_diag_req(AF_UNIX, all states, show 0x5f)
        assertThat(HexFormat.of().formatHex(bytes))
                .isEqualTo("28000000" + "1400" + "0103" + "07000000" + "00000000" + "01000000" + "ffffffff" + "00000000"
                        + "5f000000" + "00000000" + "00000000");
    }

    private static ByteBuffer message(byte type, byte state, int inode, byte[]... attrs) {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        b.putInt(0).putShort((short) 20).putShort((short) 2).putInt(1).putInt(0);
        b.put((byte) 1)
                .put(type)
                .put(state)
                .put((byte) 0)
                .putInt(inode)
                .putInt(0)
                .putInt(0);
        for (byte[] a : attrs) {
            b.put(a);
        }
        b.putInt(0, b.position());
        b.flip();
        return b;
    }

    private static byte[] attr(int type, byte[] payload) {
        int len = 4 + payload.length;
        ByteBuffer a = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
        a.putShort((short) len).putShort((short) type).put(payload);
        return a.array();
    }

    private static byte[] u32s(int... v) {
        ByteBuffer a = ByteBuffer.allocate(4 * v.length).order(ByteOrder.nativeOrder());
        for (int x : v) {
            a.putInt(x);
        }
        return a.array();
    }

    @Test
    void decodesEveryAttribute() {
        ByteBuffer b = message(
                (byte) 1,
                (byte) 10,
                0xfffffff0,
                attr(0, "/run/x.sock\0".getBytes()),
                attr(1, u32s(99, (8 << 20) | 1)),
                attr(2, u32s(0)),
                attr(3, u32s(5, 6)),
                attr(4, u32s(2, 4096)),
                attr(7, u32s(1000)));
        UnixSocket s = UnixDiagParser.unixSocket(b, 0, b.limit());
        assertThat(s)
                .isEqualTo(new UnixSocket(
                        0xfffffff0L,
                        UnixSocket.Type.STREAM,
                        UnixSocket.State.LISTEN,
                        "/run/x.sock",
                        (8 << 20) | 1,
                        99,
                        0,
                        2,
                        4096,
                        1000,
                        List.of(5L, 6L)));
    }

    @Test
    void abstractNamesGetTheAtSignAsSsPrintsThem() {
        ByteBuffer b = message((byte) 2, (byte) 7, 5, attr(0, "\0hk-name".getBytes()));
        UnixSocket s = UnixDiagParser.unixSocket(b, 0, b.limit());
        assertThat(s.name()).isEqualTo("@hk-name");
        assertThat(s.uid()).as("no UNIX_DIAG_UID: an old kernel").isEqualTo(-1);
        assertThat(s.boundToPath()).isFalse();
    }

    @Test
    void truncatedOrLyingInputIsAParseErrorNotACrash() {
        ByteBuffer shortMsg = message((byte) 1, (byte) 1, 5);
        assertThatThrownBy(() -> UnixDiagParser.unixSocket(shortMsg, 0, 20))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("unix_diag_msg does not fit");
        ByteBuffer longAttr = message((byte) 1, (byte) 1, 5, new byte[] {(byte) 200, 0, 2, 0, 0, 0, 0, 0});
        assertThatThrownBy(() -> UnixDiagParser.unixSocket(longAttr, 0, longAttr.limit()))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("rtattr length 200");
        ByteBuffer shortPeer = message((byte) 1, (byte) 1, 5, attr(2, new byte[] {1, 2}));
        assertThatThrownBy(() -> UnixDiagParser.unixSocket(shortPeer, 0, shortPeer.limit()))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("UNIX_DIAG_PEER shorter than 4 bytes");
        ByteBuffer badType = message((byte) 9, (byte) 1, 5);
        assertThatThrownBy(() -> UnixDiagParser.unixSocket(badType, 0, badType.limit()))
                .isInstanceOf(NetlinkParseException.class)
                .hasMessageContaining("unix socket type 9");
    }

    @Test
    void procNetUnixLinesParseWithSpacesInPaths() {
        UnixSocket listen =
                ProcNetUnix.parse("0000000000000000: 00000002 00000000 00010000 0001 01 46269 /tmp/a b.sock");
        assertThat(listen.state()).isEqualTo(UnixSocket.State.LISTEN);
        assertThat(listen.name()).isEqualTo("/tmp/a b.sock");
        assertThat(listen.inode()).isEqualTo(46269);
        UnixSocket connected = ProcNetUnix.parse("0000000000000000: 00000003 00000000 00000000 0001 03 147711");
        assertThat(connected.state()).isEqualTo(UnixSocket.State.ESTABLISHED);
        assertThat(connected.name()).isEmpty();
        UnixSocket dgram = ProcNetUnix.parse("0000000000000000: 00000002 00000000 00000000 0002 01 10 @abs");
        assertThat(dgram.type()).isEqualTo(UnixSocket.Type.DGRAM);
        assertThat(dgram.state()).isEqualTo(UnixSocket.State.CLOSE);
        assertThatThrownBy(() -> ProcNetUnix.parse("garbage"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("garbage");
        assertThatThrownBy(() -> ProcNetUnix.parse("0: 2 0 0 0009 01 10"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("type 9");
    }

    @Test
    void kernelDeviceEncodingMatchesUnixDiagVfs() {
        // userspace makedev(259, 3) = 0x10303; the kernel's MKDEV(259, 3) = 259 << 20 | 3
        assertThat(UnixSocketClients.FileId.kernelDev(0x10303L)).isEqualTo((259L << 20) | 3);
        // a large minor: makedev(8, 300) puts minor bits 8.. at bit 20
        long user = (8L << 8) | (300 & 0xff) | ((300L & ~0xffL) << 12);
        assertThat(UnixSocketClients.FileId.kernelDev(user)).isEqualTo((8L << 20) | 300);
    }
}
