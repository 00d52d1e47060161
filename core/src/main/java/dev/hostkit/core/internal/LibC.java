package dev.hostkit.core.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.hostkit.core.Errno;
import dev.hostkit.core.NativeException;

import java.nio.ByteBuffer;

/**
 * The libc calls hostkit needs, bound with JNA direct mapping (no per-call reflection). Each call
 * declares {@link LastErrorException} so JNA captures errno on the calling thread before anything
 * else can overwrite it. Not API: modules use it through {@link #check} and friends.
 */
public final class LibC {
    static {
        Native.register(NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME));
    }

    // Address families and socket types (linux/socket.h, bits/socket_type.h).
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_SNDTIMEO = 21;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_NETNS_COOKIE = 71;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    // open(2) flags.
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    // setns(2) namespace types.
    public static final int CLONE_NEWNET = 0x40000000;
    // ioctl_ns(2): which kind of namespace an nsfs fd refers to (kernel 4.11+).
    public static final long NS_GET_NSTYPE = 0xb703L;
    // poll(2) events.
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    // eventfd(2) flags.
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    // mmap(2) protections and flags.
    public static final int PROT_READ = 0x1;
    public static final int MAP_PRIVATE = 0x02;
    // flock(2) operations.
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    // inotify(7): init flags, watch flags and event masks (linux/inotify.h).
    public static final int IN_NONBLOCK = 0x800;
    public static final int IN_CLOEXEC = 0x80000;
    public static final int IN_MOVED_FROM = 0x40;
    public static final int IN_MOVED_TO = 0x80;
    public static final int IN_CREATE = 0x100;
    public static final int IN_DELETE = 0x200;
    public static final int IN_DELETE_SELF = 0x400;
    public static final int IN_MOVE_SELF = 0x800;
    public static final int IN_Q_OVERFLOW = 0x4000;
    public static final int IN_IGNORED = 0x8000;
    public static final int IN_ONLYDIR = 0x01000000;

    private LibC() {}

    public static native int socket(int domain, int type, int protocol) throws LastErrorException;

    /** sync(2): start writeback of all dirty data and wait for it; never fails. drop_caches only drops clean pages. */
    public static native void sync();

    public static native int bind(int fd, byte[] addr, int addrlen) throws LastErrorException;

    public static native int getsockname(int fd, byte[] addr, int[] addrlen) throws LastErrorException;

    public static native int setsockopt(int fd, int level, int optname, int[] optval, int optlen)
            throws LastErrorException;

    public static native int setsockopt(int fd, int level, int optname, byte[] optval, int optlen)
            throws LastErrorException;

    public static native int getsockopt(int fd, int level, int optname, int[] optval, int[] optlen)
            throws LastErrorException;

    public static native long sendto(int fd, ByteBuffer buf, long len, int flags, byte[] addr, int addrlen)
            throws LastErrorException;

    public static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen)
            throws LastErrorException;

    public static native long recvfrom(int fd, ByteBuffer buf, long len, int flags, byte[] addr, int[] addrlen)
            throws LastErrorException;

    public static native long recvfrom(int fd, byte[] buf, long len, int flags, byte[] addr, int[] addrlen)
            throws LastErrorException;

    /** {@code msg} points to a caller-built {@code struct msghdr}. */
    public static native long sendmsg(int fd, Pointer msg, int flags) throws LastErrorException;

    /** {@code msg} points to a caller-built {@code struct msghdr}. */
    public static native long recvmsg(int fd, Pointer msg, int flags) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native int open(String path, int flags) throws LastErrorException;

    public static native int setns(int fd, int nstype) throws LastErrorException;

    /** Moves the calling thread into new namespaces of the kinds in {@code flags} (e.g. {@link #CLONE_NEWNET}). */
    public static native int unshare(int flags) throws LastErrorException;

    /** Reads the link {@code path} (a NUL-terminated name, relative to {@code dirfd}) into {@code buf}; never follows it. */
    public static native long readlinkat(int dirfd, Pointer path, byte[] buf, long bufsiz) throws LastErrorException;

    /**
     * {@link #readlinkat(int, Pointer, byte[], long)} on native addresses (a NUL-terminated name and a buffer in
     * memory the caller owns): no marshalling per call, for scans that read one link per fd of every process.
     */
    public static native long readlinkat(int dirfd, long path, long buf, long bufsiz) throws LastErrorException;

    /** Fills {@code buf} with {@code struct linux_dirent64} entries of the directory {@code fd}; 0 at its end. */
    public static native long getdents64(int fd, Pointer buf, long count) throws LastErrorException;

    public static native int getpid();

    /** mmap(2): the mapping's address ({@code MAP_FAILED} comes back as a {@link LastErrorException}). */
    public static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    public static native int munmap(Pointer addr, long length) throws LastErrorException;

    /**
     * syscall(2) with three arguments, for a call glibc does not wrap ({@code bpf(2)}): the raw result, or -1 with
     * errno captured.
     */
    public static native long syscall(long number, long arg1, Pointer arg2, long arg3) throws LastErrorException;

    public static native int geteuid();

    /** An advisory lock on the open file description: held until every fd sharing it is closed. */
    public static native int flock(int fd, int operation) throws LastErrorException;

    /** ioctl without an argument, e.g. {@link #NS_GET_NSTYPE}. */
    public static native int ioctl(int fd, long request) throws LastErrorException;

    public static native int eventfd(int initval, int flags) throws LastErrorException;

    /** A new inotify instance ({@link #IN_NONBLOCK}, {@link #IN_CLOEXEC}). */
    public static native int inotify_init1(int flags) throws LastErrorException;

    /** Watches {@code path} for the events in {@code mask}: the watch descriptor (the same one for the same inode). */
    public static native int inotify_add_watch(int fd, String path, int mask) throws LastErrorException;

    public static native int inotify_rm_watch(int fd, int wd) throws LastErrorException;

    public static native long read(int fd, byte[] buf, long count) throws LastErrorException;

    public static native long write(int fd, byte[] buf, long count) throws LastErrorException;

    /**
     * {@code fds} holds {@code struct pollfd} laid out as ints: {@code [fd, events | revents << 16]}
     * per entry (little-endian, as on every platform hostkit supports).
     */
    public static native int poll(int[] fds, long nfds, int timeoutMillis) throws LastErrorException;

    /** getrandom(2): the kernel's CSPRNG, without an fd and without the JDK's security providers. */
    public static native long getrandom(byte[] buf, long buflen, int flags) throws LastErrorException;

    /**
     * {@code n} random bytes from the kernel's CSPRNG. Used instead of {@link java.security.SecureRandom}, whose
     * providers (some 60 classes, a SHA-1 mix) a long-running daemon would otherwise load and keep for a few names.
     */
    public static byte[] randomBytes(int n) {
        byte[] out = new byte[n];
        int got = 0;
        while (got < n) {
            byte[] part = got == 0 ? out : new byte[n - got];
            try {
                long r = getrandom(part, part.length, 0);
                if (part != out) {
                    System.arraycopy(part, 0, out, got, (int) r);
                }
                got += (int) r;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Errno.EINTR.number()) {
                    throw failure("getrandom", n + " bytes", e);
                }
            }
        }
        return out;
    }

    /** The errno of a {@link LastErrorException}, as a positive number. */
    public static int errno(LastErrorException e) {
        return e.getErrorCode();
    }

    /** A {@link NativeException} for {@code operation(target)} from JNA's captured errno. */
    public static NativeException failure(String operation, String target, LastErrorException e) {
        return new NativeException(operation, target, e.getErrorCode());
    }

    /**
     * The network namespace cookie of the namespace socket {@code fd} lives in ({@code SO_NETNS_COOKIE},
     * kernel 5.14+): a 64-bit id that, unlike an nsfs inode, is never reused.
     *
     * @throws LastErrorException ENOPROTOOPT before 5.14
     */
    public static long netnsCookie(int fd) throws LastErrorException {
        int[] value = new int[2];
        int[] len = {8};
        getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, value, len);
        // Two native-order ints of one 64-bit value; little-endian on every platform hostkit supports.
        return (value[0] & 0xffff_ffffL) | ((long) value[1] << 32);
    }

    /** Closes {@code fd}, ignoring errors: for cleanup paths where the first failure must win. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (LastErrorException ignored) {
                // The fd is released by the kernel even when close reports EINTR or EIO.
            }
        }
    }
}
