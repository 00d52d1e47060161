package dev.hostkit.core.internal;

import java.nio.ByteBuffer;

/**
 * The bits of {@code /proc} text that scans read and write in native buffers without making a String: decimal
 * names in {@code getdents64} records, {@code kind:[INODE]} link texts, and {@code PID/...} names for
 * {@code readlinkat}. Not API.
 */
public final class ProcText {
    private ProcText() {}

    /** A NUL-terminated decimal name at {@code at} (at most 10 digits); -1 for anything else ({@code .}, {@code self}). */
    public static int decimal(ByteBuffer buf, int at) {
        int v = 0;
        for (int i = 0; i < 11; i++) {
            byte b = buf.get(at + i);
            if (b == 0) {
                return i == 0 ? -1 : v;
            }
            if (b < '0' || b > '9' || v > (Integer.MAX_VALUE - 9) / 10) {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return -1;
    }

    /**
     * The inode in a link text {@code prefix + INODE + "]"} ({@code socket:[12345]}, {@code net:[4026531840]}) held in
     * the first {@code len} bytes of {@code link}; -1 for anything else.
     */
    public static long bracketedInode(ByteBuffer link, int len, byte[] prefix) {
        if (len < prefix.length + 2 || len > link.capacity() || link.get(len - 1) != ']') {
            return -1;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (link.get(i) != prefix[i]) {
                return -1;
            }
        }
        long inode = 0;
        for (int i = prefix.length; i < len - 1; i++) {
            int d = link.get(i) - '0';
            if (d < 0 || d > 9 || inode > (Long.MAX_VALUE - 9) / 10) {
                return -1;
            }
            inode = inode * 10 + d;
        }
        return inode;
    }

    /** Writes {@code value} in decimal at the start of {@code buf}, then {@code tail} (ending in its NUL). */
    public static void writeName(ByteBuffer buf, int value, byte[] tail) {
        int digits = 1;
        for (int v = value; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = digits - 1, v = value; i >= 0; i--, v /= 10) {
            buf.put(i, (byte) ('0' + v % 10));
        }
        for (int i = 0; i < tail.length; i++) {
            buf.put(digits + i, tail[i]);
        }
    }
}
