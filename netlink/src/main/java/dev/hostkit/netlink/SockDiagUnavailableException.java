package dev.hostkit.netlink;

/**
 * The kernel cannot answer a sock_diag dump: it lacks {@code NETLINK_SOCK_DIAG} or the {@code unix_diag} handler
 * ({@code CONFIG_UNIX_DIAG}, module {@code unix_diag}). Carries the kernel's errno like every {@link NetlinkException};
 * {@link ProcNetUnix} still lists the sockets, without peers.
 */
public class SockDiagUnavailableException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    /**
     * @param operation what was asked
     * @param target what it acted on
     * @param errno the kernel's errno (EPROTONOSUPPORT for the protocol, ENOENT for the family handler)
     * @param why what is missing, and what to do about it
     */
    public SockDiagUnavailableException(String operation, String target, int errno, String why) {
        super(operation, target, errno, why);
    }
}
