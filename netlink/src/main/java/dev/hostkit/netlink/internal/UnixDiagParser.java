package dev.hostkit.netlink.internal;

import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.NetlinkParseException;
import dev.hostkit.netlink.UnixSocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.hostkit.netlink.internal.MessageParser.attrLength;
import static dev.hostkit.netlink.internal.MessageParser.need;
import static dev.hostkit.netlink.internal.MessageParser.u32;
import static dev.hostkit.netlink.internal.RtnlConstants.NLA_HDRLEN;
import static dev.hostkit.netlink.internal.RtnlConstants.NLA_TYPE_MASK;
import static dev.hostkit.netlink.internal.RtnlConstants.NLMSG_HDRLEN;
import static dev.hostkit.netlink.internal.SockDiagConstants.*;

/**
 * Writes the {@code unix_diag} dump request and decodes its replies into {@link UnixSocket}s. Every read is
 * bounds-checked through {@link MessageParser}'s primitives: malformed input gives a {@link NetlinkParseException}.
 * Stateless.
 */
public final class UnixDiagParser {
    /** Everything hostkit asks the kernel to show for each socket. */
    public static final int SHOW =
            UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;

    private UnixDiagParser() {}

    /** Writes struct unix_diag_req: AF_UNIX, every state, no inode filter, {@code show} bits. */
    public static void request(MessageBuilder m, int show) {
        m.unixDiagReq(LibC.AF_UNIX, 0xffff_ffff, 0, show);
    }

    /**
     * Writes struct unix_diag_req for one socket by inode (a get, not a dump): every state, {@code show} bits and the
     * kernel's "no cookie" (INET_DIAG_NOCOOKIE in both words), so the inode alone selects it.
     */
    public static void requestOne(MessageBuilder m, long inode, int show) {
        m.unixDiagReq(LibC.AF_UNIX, 0xffff_ffff, (int) inode, show, 0xffff_ffff);
    }

    /**
     * Decodes one {@code SOCK_DIAG_BY_FAMILY} reply message.
     *
     * @return the socket, or {@code null} for a family other than AF_UNIX
     */
    public static UnixSocket unixSocket(ByteBuffer b, int off, int len) {
        int end = off + len;
        int body = off + NLMSG_HDRLEN;
        need(body + UNIX_DIAG_MSG_LEN <= end, "unix_diag_msg does not fit", off);
        if (Byte.toUnsignedInt(b.get(body)) != LibC.AF_UNIX) {
            return null;
        }
        UnixSocket.Type type = type(Byte.toUnsignedInt(b.get(body + 1)), body + 1);
        UnixSocket.State state = state(Byte.toUnsignedInt(b.get(body + 2)), body + 2);
        long inode = Integer.toUnsignedLong(b.getInt(body + 4));
        String name = "";
        long fileDevice = 0;
        long fileInode = 0;
        long peer = 0;
        int rq = 0;
        int wq = 0;
        long uid = -1;
        List<Long> pending = List.of();
        for (int a = body + UNIX_DIAG_MSG_LEN; a < end; ) {
            int alen = attrLength(b, a, end);
            int p = a + NLA_HDRLEN;
            int plen = alen - NLA_HDRLEN;
            switch (Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK) {
                case UNIX_DIAG_NAME -> name = name(b, p, plen);
                case UNIX_DIAG_VFS -> {
                    need(plen >= 8, "UNIX_DIAG_VFS shorter than 8 bytes", a);
                    fileInode = Integer.toUnsignedLong(b.getInt(p));
                    fileDevice = Integer.toUnsignedLong(b.getInt(p + 4));
                }
                case UNIX_DIAG_PEER -> peer = Integer.toUnsignedLong(u32(b, p, plen, "UNIX_DIAG_PEER"));
                case UNIX_DIAG_RQLEN -> {
                    need(plen >= 8, "UNIX_DIAG_RQLEN shorter than 8 bytes", a);
                    rq = b.getInt(p);
                    wq = b.getInt(p + 4);
                }
                case UNIX_DIAG_UID -> uid = Integer.toUnsignedLong(u32(b, p, plen, "UNIX_DIAG_UID"));
                case UNIX_DIAG_ICONS -> {
                    if (plen >= 4) {
                        List<Long> icons = new ArrayList<>(plen / 4);
                        for (int i = 0; i + 4 <= plen; i += 4) {
                            icons.add(Integer.toUnsignedLong(b.getInt(p + i)));
                        }
                        pending = icons;
                    }
                }
                default -> {}
            }
            a += MessageParser.align(alen);
        }
        return new UnixSocket(inode, type, state, name, fileDevice, fileInode, peer, rq, wq, uid, pending);
    }

    /** The socket type for the kernel's {@code SOCK_*} number. */
    public static UnixSocket.Type type(int value, int at) {
        return switch (value) {
            case SOCK_STREAM -> UnixSocket.Type.STREAM;
            case SOCK_DGRAM -> UnixSocket.Type.DGRAM;
            case SOCK_SEQPACKET -> UnixSocket.Type.SEQPACKET;
            default ->
                throw new NetlinkParseException(
                        "unix socket type " + value + " is none of SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET", at);
        };
    }

    private static UnixSocket.State state(int value, int at) {
        return switch (value) {
            case TCP_ESTABLISHED -> UnixSocket.State.ESTABLISHED;
            case TCP_LISTEN -> UnixSocket.State.LISTEN;
            case TCP_CLOSE -> UnixSocket.State.CLOSE;
            default ->
                throw new NetlinkParseException(
                        "unix socket state " + value + " is none of TCP_ESTABLISHED, TCP_LISTEN, TCP_CLOSE", at);
        };
    }

    // sun_path bytes: a path is NUL-terminated (or fills the attribute); an abstract name starts with NUL and
    // is every byte after it, printed with '@' as ss does.
    private static String name(ByteBuffer b, int p, int plen) {
        if (plen <= 0) {
            return "";
        }
        byte[] raw = new byte[plen];
        b.get(p, raw);
        if (raw[0] == 0) {
            return "@" + new String(raw, 1, plen - 1, StandardCharsets.UTF_8);
        }
        int n = MessageParser.cStringLength(b, p, plen);
        return new String(raw, 0, n, StandardCharsets.UTF_8);
    }
}
