package dev.hostkit.core;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which processes hold which sockets: one pass over {@code /proc/PID/fd} that only reads links ({@code readlink},
 * never following one), keeping the {@code socket:[inode]} ones. Immutable once scanned. A process that exits
 * or closes fds mid-scan is simply seen as it was (or not at all): never an error.
 */
public final class SocketOwners {
    private static final String PREFIX = "socket:[";

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
        Map<Long, Object> owners = new HashMap<>(4096);
        int processes = 0;
        for (int pid : proc.pids()) {
            Path fdDir = proc.proc().resolve(Integer.toString(pid)).resolve("fd");
            boolean seen = false;
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
                for (Path fd : fds) {
                    long inode = socketInode(fd);
                    if (inode > 0) {
                        add(owners, inode, pid);
                    }
                    seen = true;
                }
            } catch (IOException | java.nio.file.DirectoryIteratorException e) {
                // Exited (ENOENT), a kernel thread or a process we may not look into (EACCES): it holds nothing we can see.
            }
            if (seen) {
                processes++;
            }
        }
        return new SocketOwners(owners, processes);
    }

    private static long socketInode(Path fd) {
        String target;
        try {
            target = Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return -1; // the fd was closed between listing and reading
        }
        if (!target.startsWith(PREFIX) || !target.endsWith("]")) {
            return -1;
        }
        try {
            return Long.parseLong(target, PREFIX.length(), target.length() - 1, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
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
