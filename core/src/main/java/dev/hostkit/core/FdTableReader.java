package dev.hostkit.core;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.hostkit.core.internal.LibC;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One thread's reader of {@code /proc/PID/fd} tables: lists a table with {@code getdents64} and reads one fd's link
 * with {@code readlinkat} relative to the open directory, never following it. Owns its native buffers, so a scan
 * allocates nothing per fd; not thread-safe (one per scanning thread).
 */
final class FdTableReader implements AutoCloseable {
    private static final int DIRENT_BUFFER = 64 * 1024;
    // "socket:[" + at most 20 digits + "]": anything longer is not a socket link and is cut, then rejected.
    private static final int LINK_BUFFER = 64;
    private static final int NAME_BUFFER = 16;
    private static final byte[] PREFIX = {'s', 'o', 'c', 'k', 'e', 't', ':', '['};
    // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
    private static final int D_RECLEN = 16;
    private static final int D_NAME = 19;

    private final Memory dirents = new Memory(DIRENT_BUFFER);
    private final Memory link = new Memory(LINK_BUFFER);
    private final Memory name = new Memory(NAME_BUFFER);
    private final long direntsAddress = Pointer.nativeValue(dirents);
    private final long linkAddress = Pointer.nativeValue(link);
    private final long nameAddress = Pointer.nativeValue(name);
    // Views of the native buffers: reading them is plain Java, not a JNI call per byte.
    private final ByteBuffer direntView =
            dirents.getByteBuffer(0, DIRENT_BUFFER).order(ByteOrder.nativeOrder());
    private final ByteBuffer linkView = link.getByteBuffer(0, LINK_BUFFER);
    private final ByteBuffer nameView = name.getByteBuffer(0, NAME_BUFFER);
    private int[] fds = new int[256];

    /** Opens {@code fdDir} for listing; -1 when the process is gone or its fds are not ours to see (EACCES). */
    static int open(String fdDir) {
        try {
            return LibC.open(fdDir, LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            return -1;
        }
    }

    /**
     * The next fd numbers listed in the open table {@code dirfd} (one {@code getdents64} call), ascending as the kernel
     * lists them, in a buffer reused by the next call ({@link #listed()}, valid up to the returned count).
     *
     * @return how many; 0 at the end of the table, or when the process exited mid-listing (what was read stands)
     */
    int next(int dirfd) {
        long n;
        try {
            n = LibC.getdents64(dirfd, dirents, DIRENT_BUFFER);
        } catch (LastErrorException e) {
            return 0;
        }
        int count = 0;
        for (int off = 0; off < n; ) {
            int reclen = Short.toUnsignedInt(direntView.getShort(off + D_RECLEN));
            if (reclen == 0) {
                break;
            }
            int fd = decimal(off + D_NAME);
            if (fd >= 0) {
                if (count == fds.length) {
                    fds = Arrays.copyOf(fds, count * 2);
                }
                fds[count++] = fd;
            }
            off += reclen;
        }
        // Only "." and ".." in this batch: ask again (the next call returns 0 at the end).
        return count == 0 && n > 0 ? next(dirfd) : count;
    }

    /** The fd numbers of the last {@link #next}; the array is reused. */
    int[] listed() {
        return fds;
    }

    // A NUL-terminated decimal name in the dirent buffer ("." and ".." and anything else: -1).
    private int decimal(int at) {
        int v = 0;
        for (int i = 0; i < 11; i++) {
            byte b = direntView.get(at + i);
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

    /** Socket inode of fd {@code fd} in the open table {@code dirfd}: "socket:[12345]" is 12345; anything else -1. */
    long socketInode(int dirfd, int fd) {
        writeName(fd);
        int len;
        try {
            len = (int) LibC.readlinkat(dirfd, nameAddress, linkAddress, LINK_BUFFER);
        } catch (LastErrorException e) {
            return -1; // closed since the listing, or the process exited
        }
        return parseSocketLink(linkView, len);
    }

    // The fd number as a NUL-terminated decimal string in the name buffer.
    private void writeName(int fd) {
        int digits = 1;
        for (int v = fd; v >= 10; v /= 10) {
            digits++;
        }
        nameView.put(digits, (byte) 0);
        for (int i = digits - 1, v = fd; i >= 0; i--, v /= 10) {
            nameView.put(i, (byte) ('0' + v % 10));
        }
    }

    /** "socket:[12345]" in the first {@code len} bytes of {@code link} is 12345; anything else -1. */
    static long parseSocketLink(ByteBuffer link, int len) {
        if (len < PREFIX.length + 2 || len > link.capacity() || link.get(len - 1) != ']') {
            return -1;
        }
        for (int i = 0; i < PREFIX.length; i++) {
            if (link.get(i) != PREFIX[i]) {
                return -1;
            }
        }
        long inode = 0;
        for (int i = PREFIX.length; i < len - 1; i++) {
            int d = link.get(i) - '0';
            if (d < 0 || d > 9 || inode > (Long.MAX_VALUE - 9) / 10) {
                return -1;
            }
            inode = inode * 10 + d;
        }
        return inode;
    }

    @Override
    public void close() {
        dirents.close();
        link.close();
        name.close();
    }
}
