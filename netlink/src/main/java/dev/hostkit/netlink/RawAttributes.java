package dev.hostkit.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The attributes of a kernel message that hostkit does not interpret, kept raw (type, payload) in
 * one compact copy. Immutable; lookups return copies.
 */
public final class RawAttributes {
    /** No attributes. */
    public static final RawAttributes EMPTY = new RawAttributes(new byte[0]);

    // Concatenated rtattr TLVs (native order, 4-byte aligned), as the kernel sent them.
    private final byte[] tlvs;

    /**
     * Wraps already-validated rtattr bytes (length, type, payload, padding; native byte order).
     *
     * @param tlvs the attributes; not copied, must not be changed afterwards
     */
    public RawAttributes(byte[] tlvs) {
        this.tlvs = tlvs;
    }

    /** Whether there are none. */
    public boolean isEmpty() {
        return tlvs.length == 0;
    }

    /** The attribute types present, in message order (nested/byte-order flag bits removed). */
    public Set<Integer> types() {
        Set<Integer> out = new LinkedHashSet<>();
        ByteBuffer b = ByteBuffer.wrap(tlvs).order(ByteOrder.nativeOrder());
        for (int at = 0; at + 4 <= tlvs.length; at += (Short.toUnsignedInt(b.getShort(at)) + 3) & ~3) {
            out.add(Short.toUnsignedInt(b.getShort(at + 2)) & 0x3FFF);
            if (Short.toUnsignedInt(b.getShort(at)) < 4) {
                break;
            }
        }
        return out;
    }

    /**
     * The payload of the first attribute of {@code type}.
     *
     * @param type the attribute type, e.g. {@code IFLA_TXQLEN} = 13
     * @return a copy of its payload, or {@code null} when absent
     */
    public byte[] get(int type) {
        ByteBuffer b = ByteBuffer.wrap(tlvs).order(ByteOrder.nativeOrder());
        int at = 0;
        while (at + 4 <= tlvs.length) {
            int len = Short.toUnsignedInt(b.getShort(at));
            if (len < 4) {
                break;
            }
            if ((Short.toUnsignedInt(b.getShort(at + 2)) & 0x3FFF) == type) {
                return Arrays.copyOfRange(tlvs, at + 4, Math.min(at + len, tlvs.length));
            }
            at += (len + 3) & ~3;
        }
        return null;
    }

    /** Total size of the kept bytes. */
    public int byteSize() {
        return tlvs.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawAttributes r && Arrays.equals(tlvs, r.tlvs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tlvs);
    }

    @Override
    public String toString() {
        return "RawAttributes" + types();
    }
}
