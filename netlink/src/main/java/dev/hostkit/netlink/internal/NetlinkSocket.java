package dev.hostkit.netlink.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.hostkit.core.Errno;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.internal.LeakWatch;
import dev.hostkit.core.internal.LibC;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.hostkit.netlink.internal.RtnlConstants.NETLINK_CAP_ACK;
import static dev.hostkit.netlink.internal.RtnlConstants.NETLINK_EXT_ACK;
import static dev.hostkit.netlink.internal.RtnlConstants.NETLINK_GET_STRICT_CHK;
import static dev.hostkit.netlink.internal.RtnlConstants.NETLINK_ROUTE;
import static dev.hostkit.netlink.internal.RtnlConstants.NETLINK_SOCK_DIAG;
import static dev.hostkit.netlink.internal.RtnlConstants.SOL_NETLINK;

/**
 * One netlink socket of a given protocol ({@code NETLINK_ROUTE}, {@code NETLINK_SOCK_DIAG}): opened in the
 * calling thread's network namespace, usable from any
 * thread afterwards. Its direct receive buffer is borrowed from {@link ScratchBuffers} for an exchange and given
 * back by {@link #releaseReceiveBuffer()}; it grows when a datagram would not fit ({@code MSG_PEEK | MSG_TRUNC}
 * learns the size first), so nothing is ever silently cut. Sending and receiving are not synchronised here; callers
 * serialise them. (Over 400 lines: the socket's options, its three receive paths (plain, with the sender's nsid,
 * with a wake-up fd) and their buffer lending share the same fields and are kept together.)
 */
public final class NetlinkSocket implements AutoCloseable {
    // Small at first: a guardian keeps two sockets per guarded namespace for months, for events, single replies and
    // the dump of a container's two or three links (one datagram). Their 4 KB buffers are lent by ScratchBuffers for
    // one exchange at a time when the owner calls releaseReceiveBuffer() after it (RtnlChannel, EventSubscription):
    // 100 idle namespaces then hold none (benchmarks/results/guard-footprint.md, sessions 7 and 8). A socket that gets
    // several datagrams more than half full in a row (a long dump: the kernel fills each up to the buffer recvmsg was
    // given) gets its own 32 KB, the most the kernel puts in one dump datagram, and so fewer recvmsg calls; anything
    // larger still grows to fit, learned by MSG_PEEK | MSG_TRUNC.
    private static final int FULL_IN_A_ROW_FOR_DUMP_SIZE = 3;
    private static final int DUMP_RECEIVE = 32 * 1024;
    // sockaddr_nl of the kernel: family AF_NETLINK, pid 0, groups 0.
    private static final byte[] KERNEL = sockaddrNl(0);

    private final AtomicInteger fd;
    private final int portId;
    private final boolean strictCheck;
    // null while lent back (releaseReceiveBuffer); borrowed again by the next receive.
    private ByteBuffer receive;
    private boolean dumpSized;
    private int fullInARow;
    // Holds the wake-up eventfd, -1 when none; an object of its own so the leak release can close it.
    private final AtomicInteger eventFd = new AtomicInteger(-1);
    private final LeakWatch.Watch leakWatch;
    private final int[] pollFds = new int[4];
    // recvmsg(2) state, only for sockets listening to all namespaces (the nsid arrives as ancillary data).
    private Memory msghdr;
    private Memory iovec;
    private Memory control;
    private int lastNsid = -1;
    private long receivedBytes;

    private NetlinkSocket(int fd, int portId, boolean strictCheck, String protocolName) {
        AtomicInteger open = new AtomicInteger(fd);
        AtomicInteger wake = eventFd;
        this.fd = open;
        this.portId = portId;
        this.strictCheck = strictCheck;
        // Dropped without close() (an RtNetlink or subscription nobody closed): both fds are closed and the
        // opening code is named. The lambda captures the fd holders only, never this.
        this.leakWatch = LeakWatch.watch(this, protocolName + " socket (port " + portId + ")", () -> {
            LibC.closeQuietly(open.getAndSet(-1));
            LibC.closeQuietly(wake.getAndSet(-1));
        });
    }

    /**
     * Opens and binds a {@code NETLINK_ROUTE} socket in the calling thread's namespace.
     *
     * @param groups multicast group bind mask (0 for a request socket)
     * @param receiveBuffer {@code SO_RCVBUF} bytes to ask for (0 keeps the default)
     */
    public static NetlinkSocket open(int groups, int receiveBuffer) {
        return open(NETLINK_ROUTE, groups, receiveBuffer);
    }

    /**
     * Opens and binds a socket of netlink {@code protocol} in the calling thread's namespace.
     *
     * @param protocol the netlink family, e.g. {@code NETLINK_ROUTE} or {@code NETLINK_SOCK_DIAG}
     * @param groups multicast group bind mask (0 for a request socket)
     * @param receiveBuffer {@code SO_RCVBUF} bytes to ask for (0 keeps the default)
     * @throws NativeException naming the protocol when the kernel lacks it (EPROTONOSUPPORT) or refuses
     */
    public static NetlinkSocket open(int protocol, int groups, int receiveBuffer) {
        String name = protocolName(protocol);
        int fd;
        try {
            fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
        } catch (LastErrorException e) {
            throw LibC.failure("socket", "AF_NETLINK/" + name, e);
        }
        try {
            if (receiveBuffer > 0) {
                int[] size = {receiveBuffer};
                try {
                    // FORCE ignores rmem_max but needs CAP_NET_ADMIN; the plain option is the fallback.
                    LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, size, 4);
                } catch (LastErrorException e) {
                    LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, size, 4);
                }
                int[] send = {1024 * 1024};
                try {
                    LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, send, 4);
                } catch (LastErrorException e) {
                    // The default send buffer still works; batches are then split into smaller datagrams.
                }
            }
            // Optional features: a kernel without them still works, with plainer error text.
            trySet(fd, NETLINK_EXT_ACK);
            trySet(fd, NETLINK_CAP_ACK);
            boolean strict = trySet(fd, NETLINK_GET_STRICT_CHK);
            LibC.bind(fd, sockaddrNl(groups), 12);
            byte[] addr = new byte[12];
            int[] len = {12};
            LibC.getsockname(fd, addr, len);
            int port = ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getInt(4);
            return new NetlinkSocket(fd, port, strict, name);
        } catch (LastErrorException e) {
            LibC.closeQuietly(fd);
            throw LibC.failure("bind netlink socket", name, e);
        }
    }

    /** The kernel's name of a netlink protocol number, for messages. */
    public static String protocolName(int protocol) {
        return switch (protocol) {
            case NETLINK_ROUTE -> "NETLINK_ROUTE";
            case NETLINK_SOCK_DIAG -> "NETLINK_SOCK_DIAG";
            default -> "netlink protocol " + protocol;
        };
    }

    private static boolean trySet(int fd, int option) {
        try {
            LibC.setsockopt(fd, SOL_NETLINK, option, new int[] {1}, 4);
            return true;
        } catch (LastErrorException e) {
            return false;
        }
    }

    private static byte[] sockaddrNl(int groups) {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
        b.putShort((short) LibC.AF_NETLINK).putShort((short) 0).putInt(0).putInt(groups);
        return b.array();
    }

    /** The port id the kernel assigned. */
    public int portId() {
        return portId;
    }

    /** Whether {@code NETLINK_GET_STRICT_CHK} is on, so dump filters in requests are honoured by the kernel. */
    public boolean strictCheck() {
        return strictCheck;
    }

    /**
     * Enables {@code NETLINK_LISTEN_ALL_NSID}: notifications from every namespace that has an nsid here arrive too,
     * and {@link #lastNsid()} tells which one each datagram came from.
     *
     * @return false when the kernel refuses
     */
    public boolean listenAllNsid() {
        if (!trySet(fd(), RtnlConstants.NETLINK_LISTEN_ALL_NSID)) {
            return false;
        }
        msghdr = new Memory(56);
        iovec = new Memory(16);
        control = new Memory(64);
        return true;
    }

    /** The nsid of the namespace the last received datagram came from; -1 for this socket's own namespace. */
    public int lastNsid() {
        return lastNsid;
    }

    /**
     * The namespace cookie of the socket ({@code SO_NETNS_COOKIE}): unlike an nsfs inode it is never reused.
     *
     * @return the cookie
     * @throws dev.hostkit.core.NativeException when the kernel lacks the option (before 5.14)
     */
    public long netnsCookie() {
        try {
            return LibC.netnsCookie(fd());
        } catch (LastErrorException e) {
            throw LibC.failure("getsockopt", "SO_NETNS_COOKIE", e);
        }
    }

    /** Sends {@code data} (position to limit) to the kernel as one datagram. */
    public void send(ByteBuffer data) {
        sendTo(data, KERNEL);
    }

    /**
     * Sends {@code data} to another netlink socket by port id (needs CAP_NET_ADMIN); the kernel is port 0.
     *
     * @param data the datagram, position to limit
     * @param port the receiving socket's {@link #portId()}
     */
    public void send(ByteBuffer data, int port) {
        byte[] to = port == 0
                ? KERNEL
                : ByteBuffer.allocate(12)
                        .order(ByteOrder.nativeOrder())
                        .putShort((short) LibC.AF_NETLINK)
                        .putShort((short) 0)
                        .putInt(port)
                        .putInt(0)
                        .array();
        sendTo(data, to);
    }

    private void sendTo(ByteBuffer data, byte[] to) {
        int f = fd();
        try {
            long sent = LibC.sendto(f, data.slice(), data.remaining(), 0, to, to.length);
            if (sent != data.remaining()) {
                throw new NativeException("sendto", "netlink", Errno.EMSGSIZE.number());
            }
        } catch (LastErrorException e) {
            throw LibC.failure("sendto", "netlink", e);
        } finally {
            // Keeps this socket reachable while its raw fd is in use, so a leak release cannot close it mid-call.
            Reference.reachabilityFence(this);
        }
    }

    /** Bytes received from the kernel on this socket so far. */
    public long receivedBytes() {
        return receivedBytes;
    }

    /**
     * Blocks until one datagram arrives and returns it (position 0, limit = its length) in the reused
     * receive buffer, valid until the next call.
     *
     * @throws LastErrorException with ENOBUFS when the kernel dropped messages for this socket
     */
    public ByteBuffer receive() throws LastErrorException {
        try {
            return receiveOne(fd());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private ByteBuffer receiveOne(int f) throws LastErrorException {
        while (true) {
            long size;
            try {
                if (dumpSized && (receive == null || receive.capacity() < DUMP_RECEIVE)) {
                    ScratchBuffers.give(receive);
                    receive = ByteBuffer.allocateDirect(DUMP_RECEIVE).order(ByteOrder.nativeOrder());
                } else if (receive == null) {
                    receive = ScratchBuffers.take();
                }
                size = LibC.recvfrom(f, receive, 0, LibC.MSG_PEEK | LibC.MSG_TRUNC, null, null);
                if (size > receive.capacity()) {
                    ScratchBuffers.give(receive);
                    receive = ByteBuffer.allocateDirect(Integer.highestOneBit((int) size) * 2)
                            .order(ByteOrder.nativeOrder());
                }
                size = msghdr == null
                        ? LibC.recvfrom(f, receive, receive.capacity(), 0, null, null)
                        : receiveMessage(f);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == Errno.EINTR.number()) {
                    continue;
                }
                throw e;
            }
            receive.clear().limit((int) size);
            receivedBytes += size;
            fullInARow = size > receive.capacity() / 2 ? fullInARow + 1 : 0;
            dumpSized |= fullInARow >= FULL_IN_A_ROW_FOR_DUMP_SIZE; // the bigger buffer from the next datagram on
            return receive;
        }
    }

    /**
     * Gives the receive buffer back to the shared pool when it is the small lent one (a grown buffer stays): call it
     * when an exchange is over and nothing read from the last {@link #receive()} is looked at again. The next receive
     * borrows one again. Only the thread that receives may call it.
     */
    public void releaseReceiveBuffer() {
        if (receive != null && receive.capacity() == ScratchBuffers.SIZE) {
            ScratchBuffers.give(receive);
            receive = null;
        }
    }

    // For tests: whether a receive buffer is held (lent or grown).
    boolean holdsReceiveBuffer() {
        return receive != null;
    }

    // struct msghdr / iovec / cmsghdr on x86-64 and aarch64 (LP64): pointers and size_t are 8 bytes.
    private long receiveMessage(int f) throws LastErrorException {
        iovec.setPointer(0, Native.getDirectBufferPointer(receive));
        iovec.setLong(8, receive.capacity());
        msghdr.clear();
        msghdr.setPointer(16, iovec);
        msghdr.setLong(24, 1);
        msghdr.setPointer(32, control);
        msghdr.setLong(40, control.size());
        long size = LibC.recvmsg(f, msghdr, 0);
        lastNsid = -1;
        long controlLen = msghdr.getLong(40);
        for (long off = 0; off + 20 <= controlLen; ) {
            long len = control.getLong(off);
            if (len < 16) {
                break;
            }
            if (control.getInt(off + 8) == SOL_NETLINK
                    && control.getInt(off + 12) == RtnlConstants.NETLINK_LISTEN_ALL_NSID) {
                lastNsid = control.getInt(off + 16);
            }
            off += (len + 7) & ~7L;
        }
        return size;
    }

    /**
     * Waits until a datagram is ready, the wake-up fd is signalled, or the timeout passes.
     *
     * @param timeoutMillis -1 to wait without limit
     * @return true when a datagram (or an error such as ENOBUFS) is ready to receive
     */
    public boolean awaitReadable(int timeoutMillis) {
        pollFds[0] = fd();
        pollFds[1] = LibC.POLLIN;
        int wake = eventFd.get();
        pollFds[2] = wake;
        pollFds[3] = LibC.POLLIN;
        try {
            int n = LibC.poll(pollFds, wake >= 0 ? 2 : 1, timeoutMillis);
            return n > 0 && (pollFds[1] >>> 16) != 0;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.EINTR.number()) {
                return false;
            }
            throw LibC.failure("poll", "netlink", e);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Creates the eventfd that {@link #wakeUp()} signals to end {@link #awaitReadable} early. */
    public void enableWakeUp() {
        try {
            eventFd.set(LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK));
        } catch (LastErrorException e) {
            throw LibC.failure("eventfd", "netlink", e);
        }
    }

    /** Makes a blocked {@link #awaitReadable} return; stays signalled. */
    public void wakeUp() {
        int wake = eventFd.get();
        if (wake >= 0) {
            try {
                LibC.write(wake, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, 8);
            } catch (LastErrorException e) {
                // EAGAIN: the counter is already signalled.
            }
        }
    }

    /** The socket fd, for a caller's own poll(2) over many sockets; never close it. */
    public int pollableFd() {
        return fd();
    }

    private int fd() {
        int f = fd.get();
        if (f < 0) {
            throw new IllegalStateException("netlink socket is closed");
        }
        return f;
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return fd.get() < 0;
    }

    /** Closes the socket and the wake-up fd. Idempotent. */
    @Override
    public void close() {
        leakWatch.closed();
        LibC.closeQuietly(fd.getAndSet(-1));
        LibC.closeQuietly(eventFd.getAndSet(-1));
    }
}
