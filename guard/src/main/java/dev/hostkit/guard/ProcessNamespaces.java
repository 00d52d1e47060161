package dev.hostkit.guard;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.hostkit.core.Errno;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.core.internal.ProcText;
import dev.hostkit.guard.NamespaceSource.Candidate;
import dev.hostkit.guard.NamespaceSource.Look;
import dev.hostkit.guard.NamespaceSource.LookError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every running process's network namespace ({@code /proc/PID/ns/net}), kept between looks. Each look lists
 * {@code /proc} ({@code getdents64}: the pids, and each pid directory's inode) and reads the namespace link
 * ({@code readlinkat}) only of a process new since the last look, of one seen first at the last look (a process
 * caught between its fork and its {@code setns}/{@code unshare} is read again a pass later), of one whose read failed
 * until it fails the same way twice in a row, and of each known one at least every {@link #RECHECK_NANOS} (spread by
 * pid). A failure that repeats is kept like a found namespace (same process, same error: the look is unchanged):
 * such failures are permission denials that last as long as the process (a sandbox's pid 1, a process of another
 * user namespace under an LSM), and reading them at every pass made every look a new one, so the guardian derived
 * its findings and the errors' keys again at every pass (most of the loop thread's idle time in deployed mode on a
 * host with one such process). Processes that start or end in namespaces already found, the lowest pid of each
 * staying the same, change nothing either. A reused pid is a new process: the
 * kernel makes a new {@code /proc/PID} inode for it (the old one is flushed when its process is reaped, and inode
 * numbers are not handed out again), so its link is read at once. A look that changes nothing answers the previous
 * {@link Look} itself. One caller at a time (synchronized).
 */
final class ProcessNamespaces {
    /**
     * The longest a process's namespace is trusted without reading its link again (75..125% of it, by pid): the bound
     * for a process that moves to another namespace after its first two looks. A read is one {@code readlinkat}.
     */
    static final long RECHECK_NANOS = Duration.ofSeconds(60).toNanos();

    private static final int DIRENT_BUFFER = 32 * 1024;
    private static final int LINK_BUFFER = 64;
    private static final int NAME_BUFFER = 32;
    // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
    private static final int D_INO = 0;
    private static final int D_RECLEN = 16;
    private static final int D_NAME = 19;
    private static final int O_DIRECTORY = 0x10000;
    private static final byte[] NET = {'n', 'e', 't', ':', '['};
    private static final byte[] NS_NET = {'/', 'n', 's', '/', 'n', 'e', 't', 0};

    private final Path proc;
    private final long namespaceDevice;
    private final Memory dirents = new Memory(DIRENT_BUFFER);
    private final Memory link = new Memory(LINK_BUFFER);
    private final Memory name = new Memory(NAME_BUFFER);
    private final ByteBuffer direntView =
            dirents.getByteBuffer(0, DIRENT_BUFFER).order(ByteOrder.nativeOrder());
    private final ByteBuffer linkView = link.getByteBuffer(0, LINK_BUFFER);
    private final ByteBuffer nameView = name.getByteBuffer(0, NAME_BUFFER);

    // The processes as of the last look, by ascending pid; and the arrays the next look fills (swapped after).
    private Known now = new Known(256);
    private Known next = new Known(256);
    private long looks;
    private Look last;
    private int reads;

    /** What one look found, one row per process, by ascending pid. */
    private static final class Known {
        int size;
        int[] pids;
        long[] inodes; // the /proc/PID directory's inode: a new one is a new process
        NsId[] ids; // null: gone while read, or the read failed
        Candidate[] candidates;
        LookError[] errors;
        long[] readAt;
        long[] firstLook;
        boolean[] failedAgain; // the read failed at two looks in a row, the same way

        Known(int capacity) {
            pids = new int[capacity];
            inodes = new long[capacity];
            ids = new NsId[capacity];
            candidates = new Candidate[capacity];
            errors = new LookError[capacity];
            readAt = new long[capacity];
            firstLook = new long[capacity];
            failedAgain = new boolean[capacity];
        }

        void grow() {
            int n = pids.length * 2;
            pids = Arrays.copyOf(pids, n);
            inodes = Arrays.copyOf(inodes, n);
            ids = Arrays.copyOf(ids, n);
            candidates = Arrays.copyOf(candidates, n);
            errors = Arrays.copyOf(errors, n);
            readAt = Arrays.copyOf(readAt, n);
            firstLook = Arrays.copyOf(firstLook, n);
            failedAgain = Arrays.copyOf(failedAgain, n);
        }
    }

    ProcessNamespaces(Path proc, long namespaceDevice) {
        this.proc = proc;
        this.namespaceDevice = namespaceDevice;
    }

    /**
     * One look.
     *
     * @param afresh whether every process's link is read again
     * @throws UncheckedIOException naming {@code /proc} when it cannot be listed
     */
    synchronized Look look(boolean afresh) {
        long look = ++looks;
        long nanos = System.nanoTime();
        Known was = now;
        Known is = next;
        is.size = 0;
        // A changed row that holds or held an error makes a new look (an error's process is part of its meaning);
        // other changed rows make one only when the namespaces found, or the pid each is reached by, differ.
        boolean errorsChanged = last == null || afresh;
        boolean rowsChanged = false;
        int dirfd;
        try {
            dirfd = LibC.open(proc.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC | O_DIRECTORY);
        } catch (LastErrorException e) {
            NativeException failure = LibC.failure("open", proc.toString(), e);
            throw new UncheckedIOException("list " + proc, new IOException(failure.getMessage(), failure));
        }
        try {
            listPids(dirfd, is);
            int j = 0;
            for (int i = 0; i < is.size; i++) {
                int pid = is.pids[i];
                while (j < was.size && was.pids[j] < pid) {
                    errorsChanged |= was.errors[j] != null; // exited
                    rowsChanged = true;
                    j++;
                }
                boolean known = j < was.size && was.pids[j] == pid && was.inodes[j] == is.inodes[i];
                boolean read = !known
                        || afresh
                        || (was.ids[j] == null && !was.failedAgain[j])
                        || was.firstLook[j] == look - 1
                        || nanos - was.readAt[j] >= RECHECK_NANOS * (75 + pid % 51) / 100;
                if (read) {
                    readOne(dirfd, pid, is, i, nanos);
                    is.firstLook[i] = known ? was.firstLook[j] : look;
                    boolean sameError = known && is.errors[i] != null && is.errors[i].equals(was.errors[j]);
                    is.failedAgain[i] = sameError;
                    if (!known
                            || !Objects.equals(is.ids[i], was.ids[j])
                            || !Objects.equals(is.errors[i], was.errors[j])) {
                        rowsChanged = true;
                        errorsChanged |=
                                is.errors[i] != null || (j < was.size && was.pids[j] == pid && was.errors[j] != null);
                    }
                } else {
                    is.ids[i] = was.ids[j];
                    is.candidates[i] = was.candidates[j];
                    is.errors[i] = was.errors[j]; // null, or a failure that repeated: kept until the recheck
                    is.failedAgain[i] = was.failedAgain[j];
                    is.readAt[i] = was.readAt[j];
                    is.firstLook[i] = was.firstLook[j];
                }
                if (j < was.size && was.pids[j] == pid) {
                    j++;
                }
            }
            for (; j < was.size; j++) {
                errorsChanged |= was.errors[j] != null; // exited
                rowsChanged = true;
            }
        } finally {
            LibC.closeQuietly(dirfd);
        }
        now = is;
        next = was;
        Arrays.fill(next.candidates, 0, next.size, null);
        Arrays.fill(next.ids, 0, next.size, null);
        Arrays.fill(next.errors, 0, next.size, null);
        if (errorsChanged) {
            last = lookOf(is);
        } else if (rowsChanged) {
            // Processes started or ended in namespaces already found (most of a busy host's churn): the same look.
            Look l = lookOf(is);
            if (!l.found().equals(last.found())) {
                last = l;
            }
        }
        return last;
    }

    private static Look lookOf(Known k) {
        Map<NsId, Candidate> found = new LinkedHashMap<>();
        List<LookError> errors = new ArrayList<>();
        for (int i = 0; i < k.size; i++) {
            if (k.errors[i] != null) {
                errors.add(k.errors[i]);
            } else if (k.ids[i] != null) {
                found.putIfAbsent(k.ids[i], k.candidates[i]); // ascending pids: the lowest pid wins
            }
        }
        return new Look(List.copyOf(found.values()), errors);
    }

    // Fills k with the pids listed in the open /proc (ascending), and each one's directory inode.
    private void listPids(int dirfd, Known k) {
        boolean sorted = true;
        for (; ; ) {
            long n;
            try {
                n = LibC.getdents64(dirfd, dirents, DIRENT_BUFFER);
            } catch (LastErrorException e) {
                NativeException failure = LibC.failure("getdents64", proc.toString(), e);
                throw new UncheckedIOException("list " + proc, new IOException(failure.getMessage(), failure));
            }
            if (n <= 0) {
                break;
            }
            for (int off = 0; off < n; ) {
                int reclen = Short.toUnsignedInt(direntView.getShort(off + D_RECLEN));
                if (reclen == 0) {
                    break;
                }
                int pid = ProcText.decimal(direntView, off + D_NAME);
                if (pid > 0) {
                    if (k.size == k.pids.length) {
                        k.grow();
                    }
                    sorted &= k.size == 0 || k.pids[k.size - 1] < pid;
                    k.pids[k.size] = pid;
                    k.inodes[k.size] = direntView.getLong(off + D_INO);
                    k.size++;
                }
                off += reclen;
            }
        }
        if (sorted) {
            return;
        }
        // Not /proc (a fixture tree lists in hash order): sort the rows by pid.
        long[] order = new long[k.size];
        for (int i = 0; i < k.size; i++) {
            order[i] = ((long) k.pids[i] << 32) | i;
        }
        Arrays.sort(order);
        int[] pids = new int[k.size];
        long[] inodes = new long[k.size];
        for (int i = 0; i < k.size; i++) {
            int from = (int) order[i];
            pids[i] = k.pids[from];
            inodes[i] = k.inodes[from];
        }
        System.arraycopy(pids, 0, k.pids, 0, k.size);
        System.arraycopy(inodes, 0, k.inodes, 0, k.size);
    }

    // Reads PID/ns/net relative to the open /proc into row i.
    private void readOne(int dirfd, int pid, Known k, int i, long nanos) {
        reads++;
        k.readAt[i] = nanos;
        k.errors[i] = null;
        k.ids[i] = null;
        k.candidates[i] = null;
        ProcText.writeName(nameView, pid, NS_NET);
        int len;
        try {
            len = (int) LibC.readlinkat(dirfd, Pointer.nativeValue(name), Pointer.nativeValue(link), LINK_BUFFER);
        } catch (LastErrorException e) {
            int errno = LibC.errno(e);
            if (errno == Errno.ENOENT.number() || errno == Errno.ESRCH.number()) {
                return; // exited since the listing
            }
            Path path = pathOf(pid);
            if (errno == Errno.EINVAL.number()) {
                statInto(path, k, i); // not a link (a fixture tree's file): its identity by stat
                return;
            }
            NativeException failure = LibC.failure("readlink", path.toString(), e);
            k.errors[i] = new LookError(path, NamespaceSource.reasonOf(failure), failure.getMessage());
            return;
        }
        long inode = ProcText.bracketedInode(linkView, len, NET);
        if (inode < 0 || namespaceDevice < 0) {
            statInto(pathOf(pid), k, i);
            return;
        }
        NsId id = new NsId(namespaceDevice, inode);
        k.ids[i] = id;
        k.candidates[i] = new Candidate(id, pid, pathOf(pid));
    }

    private void statInto(Path path, Known k, int i) {
        try {
            NsId id = NamespaceSource.stat(path);
            if (id != null) {
                k.ids[i] = id;
                k.candidates[i] = new Candidate(id, k.pids[i], path);
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            k.errors[i] = new LookError(path, NamespaceSource.reasonOf(e), String.valueOf(e.getMessage()));
        }
    }

    private Path pathOf(int pid) {
        return proc.resolve(Integer.toString(pid)).resolve("ns/net");
    }

    /** How many links were read so far (for tests). */
    synchronized int reads() {
        return reads;
    }
}
