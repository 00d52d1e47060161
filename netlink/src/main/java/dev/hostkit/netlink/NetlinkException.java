package dev.hostkit.netlink;

import dev.hostkit.core.NativeException;

/**
 * The kernel refused an rtnetlink request: which operation, on what, the errno and the kernel's
 * extended-ACK text when it sent one, e.g. {@code create macvlan(hk0 on parent 7): ENODEV (No such device): ...}.
 */
public class NetlinkException extends NativeException {
    private static final long serialVersionUID = 1L;

    private final String extAck;

    /**
     * @param operation what was asked, e.g. {@code create macvlan}
     * @param target what it acted on, e.g. a link name
     * @param errno the errno (sign ignored)
     * @param extAck the kernel's extended-ACK message, or {@code null}
     */
    public NetlinkException(String operation, String target, int errno, String extAck) {
        super(operation, target, errno, extAck, null);
        this.extAck = extAck;
    }

    /**
     * For subclasses that carry a cause.
     *
     * @param operation what was asked
     * @param target what it acted on
     * @param errno the errno (sign ignored)
     * @param detail text after the errno, or {@code null}
     * @param cause the underlying exception, or {@code null}
     */
    protected NetlinkException(String operation, String target, int errno, String detail, Throwable cause) {
        super(operation, target, errno, detail, cause);
        this.extAck = null;
    }

    /** The kernel's extended-ACK text; empty when the kernel sent none. */
    public String extAck() {
        return extAck == null ? "" : extAck;
    }
}
