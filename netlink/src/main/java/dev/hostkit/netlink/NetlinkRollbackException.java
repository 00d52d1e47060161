package dev.hostkit.netlink;

import dev.hostkit.core.NativeException;

/**
 * A multi-step change failed and undoing it failed too: the message names what is left behind and where, the cause is
 * the first failure, the suppressed exception the failed undo. Only thrown when something really is left.
 */
public final class NetlinkRollbackException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    private final String leftBehind;

    NetlinkRollbackException(String operation, String leftBehind, RuntimeException failure, RuntimeException undo) {
        super(
                "roll back " + operation,
                leftBehind,
                undo instanceof NativeException n ? n.errnoNumber() : 0,
                "it is left behind (delete it by hand); the change had failed with: " + failure.getMessage()
                        + (undo instanceof NativeException ? "" : "; the undo failed with: " + undo),
                failure);
        this.leftBehind = leftBehind;
        addSuppressed(undo);
    }

    /** What is left, e.g. {@code link index 7 (created as hkt0a1b2c3d4e5f) in namespace /run/netns/blue}. */
    public String leftBehind() {
        return leftBehind;
    }
}
