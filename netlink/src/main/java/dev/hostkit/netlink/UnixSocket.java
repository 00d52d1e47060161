package dev.hostkit.netlink;

import java.util.List;

/**
 * One unix domain socket as the kernel's {@code unix_diag} reports it: identity (socket inode), type, state, bound
 * name, peer, queues and owner uid. Immutable; values the kernel did not report are 0, -1 or empty as documented.
 *
 * @param inode the socket's inode (what {@code /proc/PID/fd} links show as {@code socket:[inode]})
 * @param type stream, datagram or seqpacket
 * @param state listening, established or unconnected ({@code CLOSE})
 * @param name the bound address: a file system path, {@code @name} for the abstract namespace (as ss prints it),
 *             or empty when unbound. A server's accepted sockets carry their listener's name.
 * @param fileDevice device of the socket file when bound to a path ({@code UNIX_DIAG_VFS}, the kernel's dev_t
 *                   encoding: major in the high 12 bits, minor in the low 20), else 0
 * @param fileInode inode of the socket file when bound to a path, else 0
 * @param peerInode the connected peer's socket inode ({@code UNIX_DIAG_PEER}), 0 when none or unknown
 * @param receiveQueue bytes waiting to be read; for a listener, connections waiting to be accepted
 * @param sendQueue bytes sent but not yet read by the peer; for a listener, its backlog limit
 * @param uid the owning uid ({@code UNIX_DIAG_UID}, Linux 5.3+), or -1 when the kernel did not tell
 * @param pendingConnections for a listener: the inodes of the client sockets waiting in its accept queue
 *                           ({@code UNIX_DIAG_ICONS})
 */
public record UnixSocket(
        long inode,
        Type type,
        State state,
        String name,
        long fileDevice,
        long fileInode,
        long peerInode,
        int receiveQueue,
        int sendQueue,
        long uid,
        List<Long> pendingConnections) {

    /** Canonical constructor; copies the pending list. */
    public UnixSocket {
        name = name == null ? "" : name;
        pendingConnections = List.copyOf(pendingConnections);
    }

    /** Whether it is bound to a file system path (not abstract, not unbound). */
    public boolean boundToPath() {
        return fileInode != 0;
    }

    /** Whether both queues are empty; for a connected socket: nothing in flight either way. */
    public boolean idle() {
        return receiveQueue == 0 && sendQueue == 0;
    }

    /** Socket type ({@code SOCK_*} in linux/net.h). */
    public enum Type {
        /** {@code SOCK_STREAM}. */
        STREAM,
        /** {@code SOCK_DGRAM}. */
        DGRAM,
        /** {@code SOCK_SEQPACKET}. */
        SEQPACKET
    }

    /** Socket state; unix sockets use three of the kernel's {@code TCP_*} state numbers. */
    public enum State {
        /** Connected ({@code TCP_ESTABLISHED}). */
        ESTABLISHED,
        /** Listening for connections ({@code TCP_LISTEN}). */
        LISTEN,
        /** Not connected ({@code TCP_CLOSE}; ss prints UNCONN). */
        CLOSE
    }
}
