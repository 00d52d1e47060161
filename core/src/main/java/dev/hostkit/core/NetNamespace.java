package dev.hostkit.core;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.internal.LeakWatch;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.core.internal.NamespaceThreads;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open network namespace: one fd on an nsfs file, identified by (device, inode), {@link AutoCloseable}.
 * {@link #run} executes code inside it on a hostkit-owned platform thread, so the caller's thread and
 * any shared pool never change namespace.
 */
public final class NetNamespace implements AutoCloseable {
    /** Where {@code ip netns} keeps named namespaces. */
    public static final Path NAMED_DIR = Path.of("/var/run/netns");

    private final Path path;
    private final NsId id;
    // -1 once closed; read by run() on other threads.
    private final AtomicInteger fd;
    private final LeakWatch.Watch leakWatch;

    private NetNamespace(Path path, int fd, NsId id) {
        this.path = path;
        AtomicInteger open = new AtomicInteger(fd);
        this.fd = open;
        this.id = id;
        // Dropped without close(): the fd is closed and the opening code named (the lambda must not capture this).
        this.leakWatch =
                LeakWatch.watch(this, "network namespace " + path, () -> LibC.closeQuietly(open.getAndSet(-1)));
    }

    /**
     * Opens the network namespace file at {@code path} ({@code /var/run/netns/NAME},
     * {@code /proc/PID/ns/net}, ...).
     *
     * @throws NativeException naming the path when it is missing, unreadable or not a network namespace
     */
    public static NetNamespace open(Path path) {
        String where = path.toString();
        int fd;
        try {
            fd = LibC.open(where, LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw LibC.failure("open", where, e);
        }
        try {
            if (!isNetworkNamespace(fd)) {
                throw new NativeException("open network namespace", where, Errno.EINVAL.number());
            }
            return new NetNamespace(path, fd, NsId.ofFd(fd, where));
        } catch (LastErrorException e) {
            LibC.closeQuietly(fd);
            throw LibC.failure("open network namespace", where, e);
        } catch (RuntimeException e) {
            LibC.closeQuietly(fd);
            throw e;
        }
    }

    private static boolean isNetworkNamespace(int fd) {
        try {
            return LibC.ioctl(fd, LibC.NS_GET_NSTYPE) == LibC.CLONE_NEWNET;
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Errno.ENOTTY.number()) {
                throw e;
            }
            // ENOTTY: not an nsfs file, or a kernel before 4.11 without NS_GET_NSTYPE (RHEL 7's 3.10, the hosts
            // of the kmem incident). There the fd's link text still tells: "net:[4026531956]" since 3.8.
            try {
                return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd))
                        .toString()
                        .startsWith("net:[");
            } catch (IOException unreadable) {
                return false;
            }
        }
    }

    /** The namespace of process {@code pid} ({@code /proc/PID/ns/net}). */
    public static NetNamespace ofPid(int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, was " + pid);
        }
        return open(Path.of("/proc", Integer.toString(pid), "ns", "net"));
    }

    /** A namespace made by {@code ip netns add NAME}. */
    public static NetNamespace named(String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a namespace name: '" + name + "'");
        }
        return open(NAMED_DIR.resolve(name));
    }

    /**
     * A new, empty network namespace with no name: nothing on the file system refers to it, so it and every link in
     * it go away when the returned handle (and any other fd on it) is closed, or the process ends. Made on a
     * throwaway thread (unshare), so no thread of the caller's changes namespace.
     *
     * @throws NativeException when the namespace cannot be made (EPERM without CAP_SYS_ADMIN)
     */
    public static NetNamespace createUnnamed() {
        Object[] made = new Object[1];
        Thread t = new Thread(
                () -> {
                    try {
                        LibC.unshare(LibC.CLONE_NEWNET);
                        made[0] = current();
                    } catch (LastErrorException e) {
                        made[0] = LibC.failure("unshare", "a new network namespace", e);
                    } catch (RuntimeException e) {
                        made[0] = e;
                    }
                    // The thread ends here, in the new namespace: it is never reused.
                },
                "hostkit-netns-unshare");
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the thread is about to end: waiting for it is short and keeps its fd from leaking
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (made[0] instanceof NetNamespace ns) {
            return ns;
        }
        throw (RuntimeException) made[0];
    }

    /** The namespace of the calling thread. */
    public static NetNamespace current() {
        return open(Path.of("/proc/thread-self/ns/net"));
    }

    /** The identity (device, inode) of a namespace file without keeping it open. */
    public static NsId idOf(Path path) {
        try (NetNamespace ns = open(path)) {
            return ns.id();
        }
    }

    /** The path this namespace was opened from. */
    public Path path() {
        return path;
    }

    /** The namespace's identity; two handles on the same namespace have equal ids. */
    public NsId id() {
        return id;
    }

    /**
     * The namespace's full identity: device, inode and cookie. Inodes of freed namespaces are reused (often at
     * once); the cookie is not, so two identities with the same inode but different cookies are different
     * namespaces. The cookie is read from a socket made inside the namespace (one {@link #run}).
     *
     * @return the identity; its cookie is 0 on kernels before 5.14, which lack {@code SO_NETNS_COOKIE}
     * @throws NativeException when the namespace cannot be entered or the socket cannot be made
     */
    public Identity identity() {
        long cookie = run(NetNamespace::cookieOfCurrent);
        return new Identity(id.device(), id.inode(), cookie);
    }

    // The cookie of the calling thread's namespace; 0 when the kernel has no SO_NETNS_COOKIE.
    private static long cookieOfCurrent() {
        int sock;
        try {
            sock = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw LibC.failure("socket", "AF_UNIX for the namespace cookie", e);
        }
        try {
            return LibC.netnsCookie(sock);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.ENOPROTOOPT.number()) {
                return 0;
            }
            throw LibC.failure("getsockopt", "SO_NETNS_COOKIE", e);
        } finally {
            LibC.closeQuietly(sock);
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return fd.get() < 0;
    }

    /**
     * The open fd, for calls that take one ({@code IFLA_NET_NS_FD}, {@code setns}). Valid until
     * {@link #close()}; do not close it yourself.
     *
     * @throws IllegalStateException when closed
     */
    public int fd() {
        int f = fd.get();
        if (f < 0) {
            throw new IllegalStateException("network namespace " + path + " is closed");
        }
        return f;
    }

    /**
     * Runs {@code task} inside this namespace and returns its result. The task runs on a dedicated
     * hostkit platform thread that enters with {@code setns} and returns to its home namespace
     * afterwards, even when the task throws; a thread that cannot return is discarded, never reused.
     * Safe to call from many threads at once; the caller's own namespace never changes.
     *
     * @param task the code to run; its exception is rethrown here unchanged
     * @param <T> the result type
     * @param <E> the checked exception the task may throw
     * @return what the task returned
     * @throws E what the task threw
     * @throws NativeException when the namespace could not be entered
     */
    public <T, E extends Exception> T run(NsTask<T, E> task) throws E {
        try {
            return NamespaceThreads.run(fd(), path.toString(), task);
        } finally {
            Reference.reachabilityFence(this); // the worker uses the raw fd
        }
    }

    /** Closes the fd. Idempotent; tasks already running inside the namespace are not affected. */
    @Override
    public void close() {
        leakWatch.closed();
        int f = fd.getAndSet(-1);
        LibC.closeQuietly(f);
    }

    @Override
    public String toString() {
        return "NetNamespace[" + path + ", " + id + (isClosed() ? ", closed" : "") + "]";
    }

    /** Code to run inside a namespace: like {@link java.util.concurrent.Callable}, with a precise exception type. */
    @FunctionalInterface
    public interface NsTask<T, E extends Exception> {
        /**
         * @return the result handed back to the caller of {@link NetNamespace#run}
         * @throws E anything the task throws, rethrown to the caller
         */
        T call() throws E;
    }

    /**
     * A namespace's identity that survives inode reuse: device and inode of its nsfs file plus its cookie.
     *
     * @param device the nsfs device number
     * @param inode the namespace inode
     * @param cookie the {@code SO_NETNS_COOKIE}, never reused while the host runs; 0 when unknown (before 5.14)
     */
    public record Identity(long device, long inode, long cookie) {
        /**
         * Whether both name the same namespace: device and inode equal, and the cookies equal when both are known.
         * With a cookie unknown on either side only (device, inode) can be compared, which a reused inode fools.
         */
        public boolean sameNamespaceAs(Identity other) {
            return other != null
                    && device == other.device
                    && inode == other.inode
                    && (cookie == 0 || other.cookie == 0 || cookie == other.cookie);
        }

        @Override
        public String toString() {
            return "net:[" + inode + "]@" + device + (cookie == 0 ? "" : " cookie " + cookie);
        }
    }

    /**
     * A namespace's identity: the device and inode of its nsfs file, as {@code stat} reports them.
     *
     * @param device the nsfs device number
     * @param inode the namespace inode (the number in {@code net:[4026531840]})
     */
    public record NsId(long device, long inode) {
        static NsId ofFd(int fd, String what) {
            Path link = Path.of("/proc/self/fd/" + fd);
            try {
                long dev = ((Number) Files.getAttribute(link, "unix:dev")).longValue();
                long ino = ((Number) Files.getAttribute(link, "unix:ino")).longValue();
                return new NsId(dev, ino);
            } catch (IOException e) {
                NativeException failure = new NativeException("stat", what, Errno.EIO.number());
                failure.initCause(e);
                throw failure;
            }
        }

        // Written out rather than the record's generated ones: those are method-handle chains that C1 (the daemon's
        // only compiler) leaves slow, and the guardian hashes and compares every namespace's identity several times
        // per pass; in a fresh JVM the first such link costs about 45 ms (a node-problem-detector plugin reading the
        // guardian's state compares these first).
        @Override
        public boolean equals(Object o) {
            return o instanceof NsId other && other.device == device && other.inode == inode;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(inode * 31 + device);
        }

        @Override
        public String toString() {
            return "net:[" + inode + "]@" + device;
        }
    }
}
