package dev.hostkit.netlink;

import dev.hostkit.core.Errno;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.internal.RtnlChannel;
import dev.hostkit.netlink.internal.UnixDiagParser;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.hostkit.netlink.internal.RtnlConstants.NETLINK_SOCK_DIAG;
import static dev.hostkit.netlink.internal.SockDiagConstants.SOCK_DIAG_BY_FAMILY;

/**
 * A {@code NETLINK_SOCK_DIAG} handle bound to one network namespace: typed dumps of its unix sockets with peers,
 * names, queues and owner uids in one round of datagrams. Same errors, {@code NLM_F_DUMP_INTR} retries and receive
 * buffer growth as {@link RtNetlink}; thread-safe (dumps are serialised on one socket).
 *
 * <pre>{@code
 * try (SockDiag diag = SockDiag.open()) {
 *     for (UnixSocket s : diag.unixSockets()) { ... s.inode(), s.peerInode(), s.name() ... }
 * }
 * }</pre>
 */
public final class SockDiag implements AutoCloseable {
    private final RtnlChannel channel;
    private final String label;

    private SockDiag(RtnlChannel channel, String label) {
        this.channel = channel;
        this.label = label;
    }

    /**
     * Opens a handle on the calling thread's network namespace.
     *
     * @throws SockDiagUnavailableException when the kernel has no {@code NETLINK_SOCK_DIAG}
     */
    public static SockDiag open() {
        return new SockDiag(openChannel(), "current namespace");
    }

    /**
     * Opens a handle on {@code ns}: the socket is created inside it (unix sockets are per namespace), then works
     * from any thread; {@code ns} may be closed afterwards.
     *
     * @throws IllegalArgumentException when {@code ns} is closed
     * @throws SockDiagUnavailableException when the kernel has no {@code NETLINK_SOCK_DIAG}
     */
    public static SockDiag open(NetNamespace ns) {
        if (ns == null || ns.isClosed()) {
            throw new IllegalArgumentException(
                    "cannot open sock_diag in a closed namespace" + (ns == null ? "" : ": " + ns.path()));
        }
        return new SockDiag(ns.run(SockDiag::openChannel), "namespace " + ns.path());
    }

    private static RtnlChannel openChannel() {
        try {
            return RtnlChannel.open(NETLINK_SOCK_DIAG);
        } catch (NativeException e) {
            if (e.errno() == Errno.EPROTONOSUPPORT) {
                throw new SockDiagUnavailableException(
                        "open",
                        "NETLINK_SOCK_DIAG",
                        e.errnoNumber(),
                        "this kernel has no sock_diag (CONFIG_INET_DIAG/sock_diag); read /proc/net/unix instead (no peers)");
            }
            throw e;
        }
    }

    /**
     * Every unix socket of the namespace, in the kernel's order, with name, file identity, peer, queues, uid and
     * (for listeners) the clients waiting to be accepted. A dump the kernel marks interrupted is started again; the
     * list is never half.
     *
     * @throws SockDiagUnavailableException when the kernel has no {@code unix_diag} (ENOENT)
     * @throws NetlinkException for any other refusal, with errno and extended ACK
     */
    public List<UnixSocket> unixSockets() {
        List<UnixSocket> out = new ArrayList<>(1024);
        try {
            channel.dump(
                    SOCK_DIAG_BY_FAMILY,
                    m -> UnixDiagParser.request(m, UnixDiagParser.SHOW),
                    (p, b, off, len) -> UnixDiagParser.unixSocket(b, off, len),
                    out::add,
                    out::clear,
                    "dump unix sockets",
                    label);
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOENT && !(e instanceof SockDiagUnavailableException)) {
                throw new SockDiagUnavailableException(
                        e.operation(),
                        e.target(),
                        e.errnoNumber(),
                        "this kernel has no unix_diag (CONFIG_UNIX_DIAG; try `modprobe unix_diag`); "
                                + "ProcNetUnix lists the sockets without peers");
            }
            throw e;
        }
        return out;
    }

    /**
     * One unix socket by inode, as it is now (a get, not a dump), e.g. to look again at a peer a dump did not list.
     *
     * @return the socket, or empty when no unix socket of this namespace has that inode
     * @throws NetlinkException for any other refusal, with errno and extended ACK
     */
    public Optional<UnixSocket> unixSocket(long inode) {
        try {
            return Optional.ofNullable(channel.get(
                    SOCK_DIAG_BY_FAMILY,
                    m -> UnixDiagParser.requestOne(m, inode, UnixDiagParser.SHOW),
                    (p, b, off, len) -> UnixDiagParser.unixSocket(b, off, len),
                    "get unix socket " + inode,
                    label));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close() {
        channel.close();
    }
}
