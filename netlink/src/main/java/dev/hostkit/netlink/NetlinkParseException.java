package dev.hostkit.netlink;

/**
 * Bytes from the kernel (or a test) that do not form a valid rtnetlink message: what was being read,
 * at which offset, and why. The only exception the message parser throws.
 */
public class NetlinkParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * @param what what failed to parse and why
     * @param offset the byte offset in the received datagram
     */
    public NetlinkParseException(String what, int offset) {
        super("malformed netlink message at offset " + offset + ": " + what);
        this.offset = offset;
    }

    /** The byte offset in the datagram where the problem was found. */
    public int offset() {
        return offset;
    }
}
