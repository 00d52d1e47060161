package dev.hostkit.core;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.core.internal.ProcText;

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
    private static final byte[] NUL = {0};
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
            int fd = ProcText.decimal(direntView, off + D_NAME);
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

    /** Socket inode of fd {@code fd} in the open table {@code dirfd}: "socket:[12345]" is 12345; anything else -1. */
    long socketInode(int dirfd, int fd) {
        ProcText.writeName(nameView, fd, NUL);
        int len;
        try {
            len = (int) LibC.readlinkat(dirfd, nameAddress, linkAddress, LINK_BUFFER);
        } catch (LastErrorException e) {
            return -1; // closed since the listing, or the process exited
        }
        return parseSocketLink(linkView, len);
    }

    /** "socket:[12345]" in the first {@code len} bytes of {@code link} is 12345; anything else -1. */
    static long parseSocketLink(ByteBuffer link, int len) {
        return ProcText.bracketedInode(link, len, PREFIX);
    }

    @Override
    public void close() {
        dirents.close();
        link.close();
        name.close();
    }
}
