package dev.hostkit.core;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.hostkit.core.internal.LibC;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which processes hold which sockets: one pass over {@code /proc/PID/fd} that only reads links ({@code readlinkat},
 * never following one), keeping the {@code socket:[inode]} ones. Immutable once scanned. A process that exits
 * or closes fds mid-scan is simply seen as it was (or not at all): never an error.
 */
public final class SocketOwners {
    private static final byte[] PREFIX = "socket:[".getBytes(StandardCharsets.US_ASCII);
    private static final int DIRENT_BUFFER = 64 * 1024;

    // inode -> pid (Integer) or pids (int[]) when several processes share the socket (inherited fds).
    private final Map<Long, Object> owners;
    private final int processes;

    private SocketOwners(Map<Long, Object> owners, int processes) {
        this.owners = owners;
        this.processes = processes;
    }

    /** Scans the live host's {@code /proc}. */
    public static SocketOwners scan() {
        return scan(ProcFs.system());
    }

    /**
     * Scans {@code proc/*}{@code /fd} under {@code proc}.
     *
     * @throws java.io.UncheckedIOException naming the directory when {@code proc} itself cannot be listed
     */
    public static SocketOwners scan(ProcFs proc) {
        return scan(proc, null);
    }

    /**
     * Scans until every socket in {@code wanted} has been seen in some process, recording only those: for a survey
     * that knows which sockets it asks about (the clients of one listener). Processes after the last find are not
     * read, so a socket shared with a later process lists only the owners seen before the stop.
     *
     * @param proc the {@code /proc} to read
     * @param wanted the socket inodes to look for; {@code null} for all
     */
    public static SocketOwners scan(ProcFs proc, Set<Long> wanted) {
        Map<Long, Object> owners = new HashMap<>(wanted == null ? 4096 : wanted.size() * 2);
        int processes = 0;
        // One directory buffer and one link buffer for the whole scan: nothing is allocated per fd. Each fd costs
        // one readlinkat(2) relative to the open fd directory, so the kernel never walks /proc/PID again.
        try (Memory dirents = new Memory(DIRENT_BUFFER)) {
            byte[] link = new byte[64];
            List<Integer> pids = proc.pids();
            pids.sort(null); // lowest first, so a shared socket's first owners are the oldest processes
            for (int pid : pids) {
                if (scanProcess(
                        proc.proc().resolve(Integer.toString(pid)).resolve("fd").toString(),
                        pid,
                        dirents,
                        link,
                        owners,
                        wanted)) {
                    processes++;
                }
                if (wanted != null && owners.size() == wanted.size()) {
                    break;
                }
            }
        }
        return new SocketOwners(owners, processes);
    }

    // false when the process is gone or its fds are not ours to see (EACCES): it then holds nothing we can see.
    private static boolean scanProcess(
            String fdDir, int pid, Memory dirents, byte[] link, Map<Long, Object> owners, Set<Long> wanted) {
        int dirfd;
        try {
            dirfd = LibC.open(fdDir, LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            return false;
        }
        try {
            while (true) {
                long n;
                try {
                    n = LibC.getdents64(dirfd, dirents, DIRENT_BUFFER);
                } catch (LastErrorException e) {
                    return true; // exited mid-listing (ENOENT): what was read stands
                }
                if (n <= 0) {
                    return true;
                }
                for (long off = 0; off < n; ) {
                    int reclen = Short.toUnsignedInt(dirents.getShort(off + 16));
                    if (reclen == 0) {
                        break;
                    }
                    if (dirents.getByte(off + 19) != '.') { // skip "." and ".."
                        long inode = socketInode(dirfd, dirents.share(off + 19), link);
                        if (inode > 0 && (wanted == null || wanted.contains(inode))) {
                            add(owners, inode, pid);
                        }
                    }
                    off += reclen;
                }
            }
        } finally {
            LibC.closeQuietly(dirfd);
        }
    }

    // "socket:[12345]" -> 12345; anything else (or an fd closed since the listing) -> -1.
    private static long socketInode(int dirfd, Pointer name, byte[] link) {
        int len;
        try {
            len = (int) LibC.readlinkat(dirfd, name, link, link.length);
        } catch (LastErrorException e) {
            return -1;
        }
        if (len < PREFIX.length + 2 || link[len - 1] != ']') {
            return -1;
        }
        for (int i = 0; i < PREFIX.length; i++) {
            if (link[i] != PREFIX[i]) {
                return -1;
            }
        }
        long inode = 0;
        for (int i = PREFIX.length; i < len - 1; i++) {
            int d = link[i] - '0';
            if (d < 0 || d > 9 || inode > Long.MAX_VALUE / 10) {
                return -1;
            }
            inode = inode * 10 + d;
        }
        return inode;
    }

    private static void add(Map<Long, Object> owners, long inode, int pid) {
        Object had = owners.putIfAbsent(inode, pid);
        if (had == null) {
            return;
        }
        int[] pids = had instanceof Integer one ? new int[] {one} : (int[]) had;
        for (int p : pids) {
            if (p == pid) {
                return; // the same socket on two fds of one process
            }
        }
        int[] more = java.util.Arrays.copyOf(pids, pids.length + 1);
        more[pids.length] = pid;
        owners.put(inode, more);
    }

    /** The pids holding socket {@code inode} open, lowest first; empty when none we can see. */
    public List<Integer> pidsOf(long inode) {
        Object o = owners.get(inode);
        if (o == null) {
            return List.of();
        }
        if (o instanceof Integer one) {
            return List.of(one);
        }
        return java.util.Arrays.stream((int[]) o).sorted().boxed().toList();
    }

    /** How many distinct socket inodes some process holds. */
    public int socketCount() {
        return owners.size();
    }

    /** How many processes' fd tables were read. */
    public int processCount() {
        return processes;
    }
}
