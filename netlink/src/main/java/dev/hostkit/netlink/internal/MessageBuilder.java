package dev.hostkit.netlink.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.hostkit.netlink.internal.RtnlConstants.NLA_F_NESTED;
import static dev.hostkit.netlink.internal.RtnlConstants.NLA_HDRLEN;
import static dev.hostkit.netlink.internal.RtnlConstants.NLMSG_HDRLEN;

/**
 * Writes netlink requests into one reusable direct buffer in native byte order: header, family
 * struct, attributes (nested too), each padded to 4 bytes. Several messages can follow each other
 * in the buffer (a pipelined batch is sent as one datagram). Not thread-safe.
 */
public final class MessageBuilder {
    private ByteBuffer buf;
    private final boolean lent;
    private int messageStart = -1;

    /** A builder with an initial capacity; it grows as needed. */
    public MessageBuilder(int capacity) {
        buf = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
        lent = false;
    }

    private MessageBuilder() {
        lent = true;
    }

    /**
     * A builder whose buffer is borrowed from a shared pool at {@link #clear()} and given back by {@link #release()}:
     * for long-lived channels that send rarely (a guardian's session per namespace).
     */
    public static MessageBuilder lent() {
        return new MessageBuilder();
    }

    /** Forgets everything written (and borrows a buffer if this builder gave its own back). */
    public MessageBuilder clear() {
        if (buf == null) {
            buf = ScratchBuffers.take();
        }
        buf.clear();
        messageStart = -1;
        return this;
    }

    /**
     * Gives a lent builder's buffer back to the pool (a grown one is dropped); {@link #clear()} borrows again.
     * Nothing written before may be sent afterwards. Does nothing for a builder that owns its buffer.
     */
    public void release() {
        if (lent && buf != null) {
            ScratchBuffers.give(buf);
            buf = null;
            messageStart = -1;
        }
    }

    // For tests: whether a buffer is held.
    boolean holdsBuffer() {
        return buf != null;
    }

    /** Bytes written so far (all messages). */
    public int size() {
        return buf.position();
    }

    /** The bytes written, as a buffer positioned at 0 with the written length as limit (a view, not a copy). */
    public ByteBuffer written() {
        ByteBuffer view = buf.duplicate().order(ByteOrder.nativeOrder());
        view.flip();
        return view;
    }

    /** Starts a message: writes an nlmsghdr whose length is fixed by {@link #endMessage()}. */
    public MessageBuilder beginMessage(int type, int flags, int seq) {
        if (messageStart >= 0) {
            throw new IllegalStateException("previous message not ended");
        }
        ensure(NLMSG_HDRLEN);
        messageStart = buf.position();
        buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
        return this;
    }

    /** Ends the current message and returns its offset in the buffer. */
    public int endMessage() {
        int start = messageStart;
        buf.putInt(start, buf.position() - start);
        messageStart = -1;
        return start;
    }

    /** struct ifinfomsg. */
    public MessageBuilder ifinfomsg(int family, int type, int index, int flags, int change) {
        ensure(16);
        buf.put((byte) family)
                .put((byte) 0)
                .putShort((short) type)
                .putInt(index)
                .putInt(flags)
                .putInt(change);
        return this;
    }

    /** struct ifaddrmsg. */
    public MessageBuilder ifaddrmsg(int family, int prefixLen, int flags, int scope, int index) {
        ensure(8);
        buf.put((byte) family)
                .put((byte) prefixLen)
                .put((byte) flags)
                .put((byte) scope)
                .putInt(index);
        return this;
    }

    /** struct rtmsg. */
    public MessageBuilder rtmsg(
            int family, int dstLen, int srcLen, int tos, int table, int protocol, int scope, int type, int flags) {
        ensure(12);
        buf.put((byte) family)
                .put((byte) dstLen)
                .put((byte) srcLen)
                .put((byte) tos)
                .put((byte) table)
                .put((byte) protocol)
                .put((byte) scope)
                .put((byte) type)
                .putInt(flags);
        return this;
    }

    /** struct rtgenmsg, padded to 4 bytes. */
    public MessageBuilder rtgenmsg(int family) {
        ensure(4);
        buf.put((byte) family).put((byte) 0).putShort((short) 0);
        return this;
    }

    /** struct unix_diag_req: family, protocol 0, pad, states mask, inode (0 = all), show bits, cookie 0 (as ss sends). */
    public MessageBuilder unixDiagReq(int family, int states, int inode, int show) {
        return unixDiagReq(family, states, inode, show, 0);
    }

    /** struct unix_diag_req with both cookie words set to {@code cookie} (~0 is the kernel's "no cookie"). */
    public MessageBuilder unixDiagReq(int family, int states, int inode, int show, int cookie) {
        ensure(24);
        buf.put((byte) family)
                .put((byte) 0)
                .putShort((short) 0)
                .putInt(states)
                .putInt(inode)
                .putInt(show)
                .putInt(cookie)
                .putInt(cookie);
        return this;
    }

    /** A u8 attribute. */
    public MessageBuilder attrU8(int type, int value) {
        header(type, 1);
        buf.put((byte) value);
        pad();
        return this;
    }

    /** A u16 attribute in host order. */
    public MessageBuilder attrU16(int type, int value) {
        header(type, 2);
        buf.putShort((short) value);
        pad();
        return this;
    }

    /** A u16 attribute in network (big-endian) order, such as {@code IFLA_VLAN_PROTOCOL}. */
    public MessageBuilder attrU16Be(int type, int value) {
        header(type, 2);
        buf.put((byte) (value >>> 8)).put((byte) value);
        pad();
        return this;
    }

    /** A u32 (or s32) attribute in host order. */
    public MessageBuilder attrU32(int type, int value) {
        header(type, 4);
        buf.putInt(value);
        return this;
    }

    /** An attribute holding raw bytes. */
    public MessageBuilder attrBytes(int type, byte[] value) {
        header(type, value.length);
        buf.put(value);
        pad();
        return this;
    }

    /** A NUL-terminated string attribute. */
    public MessageBuilder attrString(int type, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        header(type, bytes.length + 1);
        buf.put(bytes).put((byte) 0);
        pad();
        return this;
    }

    /** Opens a nested attribute; close it with {@link #endNested(int)} passing the returned offset. */
    public int beginNested(int type) {
        int at = buf.position();
        header(type | NLA_F_NESTED, 0);
        return at;
    }

    /** Opens a nested attribute without the NLA_F_NESTED bit (as older kernels' parsers expect for some kinds). */
    public int beginNestedPlain(int type) {
        int at = buf.position();
        header(type, 0);
        return at;
    }

    /**
     * Opens a {@code struct rtnexthop} inside {@code RTA_MULTIPATH}; its attributes follow, and
     * {@link #endNested(int)} with the returned offset fixes {@code rtnh_len} (a u16 at the start, like {@code nla_len}).
     */
    public int beginNextHop(int flags, int hops, int ifindex) {
        ensure(RtnlConstants.RTNEXTHOP_LEN);
        int at = buf.position();
        buf.putShort((short) 0).put((byte) flags).put((byte) hops).putInt(ifindex);
        return at;
    }

    /** Closes a nested attribute (or next hop) opened at {@code offset}. */
    public MessageBuilder endNested(int offset) {
        buf.putShort(offset, (short) (buf.position() - offset));
        return this;
    }

    private void header(int type, int payloadLen) {
        ensure(NLA_HDRLEN + payloadLen + 3);
        buf.putShort((short) (NLA_HDRLEN + payloadLen)).putShort((short) type);
    }

    private void pad() {
        while ((buf.position() & 3) != 0) {
            buf.put((byte) 0);
        }
    }

    private void ensure(int more) {
        if (buf.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(buf.capacity() * 2, buf.position() + more))
                    .order(ByteOrder.nativeOrder());
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }
}
