package dev.hostkit.core;

import dev.hostkit.core.internal.LibC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

/**
 * Which processes hold which sockets: on the live host, one run of a BPF {@code task_file} iterator that reports every
 * socket fd of every process; elsewhere (or when BPF is unavailable or off: {@code -Dhostkit.bpf=false}) one pass over
 * {@code /proc/PID/fd} that only reads links ({@code readlinkat}, never following one), keeping the {@code
 * socket:[inode]} ones. Immutable once scanned. A process that exits or closes fds mid-scan is simply seen as it was
 * (or not at all): never an error.
 */
public final class SocketOwners {
    /** How a scan read the fd tables. */
    public enum Reader {
        /** A BPF {@code task_file} iterator: every fd of every process in one {@code read} loop (live host only). */
        BPF_TASK_FILE,
        /** {@code getdents64} and one {@code readlinkat} per fd under {@code PROC/PID/fd}. */
        PROC_FD_LINKS
    }

    // A table with more fds than this is read in chunks of this many, by every scanning thread at once.
    static final int CHUNK = 256;
    private static final int MAX_THREADS = 4;

    // inode -> pid (Integer) or pids (int[]) when several processes share the socket (inherited fds).
    private final Map<Long, Object> owners;
    private final int processes;
    private final Reader reader;

    private SocketOwners(Map<Long, Object> owners, int processes) {
        this(owners, processes, Reader.PROC_FD_LINKS);
    }

    SocketOwners(Map<Long, Object> owners, int processes, Reader reader) {
        this.owners = owners;
        this.processes = processes;
        this.reader = reader;
    }

    /** Scans the live host's {@code /proc}. */
    public static SocketOwners scan() {
        return scan(ProcFs.system());
    }

    /**
     * Every socket's owners under {@code proc}. For the live host's {@code /proc} the BPF iterator answers when it can
     * ({@link #reader()} says which did). Otherwise scans {@code proc/*}{@code /fd} on up to one thread per CPU (at
     * most 4; the calling thread is one of them): the cost is one {@code readlinkat} per fd of every process, and a
     * process with thousands of fds is split between the threads. The answer does not depend on how the work was
     * split.
     *
     * @throws java.io.UncheckedIOException naming the directory when {@code proc} itself cannot be listed
     */
    public static SocketOwners scan(ProcFs proc) {
        SocketOwners bpf = IteratorSocketScan.scan(proc, null);
        if (bpf != null) {
            return bpf;
        }
        return scan(proc, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
    }

    /** {@link #scan(ProcFs)} on {@code threads} threads (1: the calling thread alone). */
    static SocketOwners scan(ProcFs proc, int threads) {
        return new ParallelFdScan(proc, sortedPids(proc)).run(threads);
    }

    /** {@link #scan(ProcFs, Set, Set)} with no table read later. */
    public static SocketOwners scan(ProcFs proc, Set<Long> wanted) {
        return scan(proc, wanted, Set.of());
    }

    /**
     * Scans until every socket in {@code wanted} has been seen in some process, recording only those: for a survey
     * that knows which sockets it asks about (the clients of one listener). Processes with the most open fds are read
     * first (the size of {@code /proc/PID/fd} is that count since Linux 6.2), and the scan stops in the middle of a table once nothing is missing, so a socket shared by several processes lists
     * only the owners seen before the stop. When a table holds one of {@code restLast} (a listener: the engine's
     * table then goes on with one accepted socket per client, none of them wanted), the rest of that table is read
     * after every other process, and only if something is still missing. The same sockets are found either way; only
     * the order of reading changes. One thread; nothing is allocated per fd. When the BPF iterator answers (the live
     * host's {@code /proc}), every fd arrives at once: {@code wanted} only filters what is kept, every owner of a
     * shared socket is listed, and {@code restLast} does not matter.
     *
     * @param proc the {@code /proc} to read
     * @param wanted the socket inodes to look for; {@code null} for all (as {@link #scan(ProcFs)}, on one thread)
     * @param restLast sockets whose holder's remaining fds are read last
     */
    public static SocketOwners scan(ProcFs proc, Set<Long> wanted, Set<Long> restLast) {
        if (wanted != null && wanted.isEmpty()) {
            return new SocketOwners(new HashMap<>(), 0);
        }
        SocketOwners bpf = IteratorSocketScan.scan(proc, wanted);
        if (bpf != null) {
            return bpf;
        }
        if (wanted == null) {
            return scan(proc, 1);
        }
        Map<Long, Object> owners = new HashMap<>(wanted.size() * 2);
        int processes = 0;
        List<Rest> later = new ArrayList<>();
        try (FdTableReader reader = new FdTableReader()) {
            for (int pid : mostFdsFirst(proc, sortedPids(proc))) {
                int dirfd = FdTableReader.open(fdDir(proc, pid));
                if (dirfd < 0) {
                    continue; // gone, or not ours to see: it holds nothing we can see
                }
                processes++;
                Rest rest = new Rest(pid);
                boolean complete;
                try {
                    complete = rest.read(reader, dirfd, wanted, restLast, owners);
                } finally {
                    LibC.closeQuietly(dirfd);
                }
                if (complete) {
                    return new SocketOwners(owners, processes);
                }
                if (rest.deferred) {
                    later.add(rest);
                }
            }
            for (Rest rest : later) {
                int dirfd = FdTableReader.open(fdDir(proc, rest.pid));
                if (dirfd < 0) {
                    continue; // exited since
                }
                try {
                    if (rest.read(reader, dirfd, wanted, Set.of(), owners)) {
                        break;
                    }
                } finally {
                    LibC.closeQuietly(dirfd);
                }
            }
        }
        return new SocketOwners(owners, processes);
    }

    /** One process's table in a wanted-set scan: the fds read so far, so a second pass reads only the rest. */
    private static final class Rest {
        final int pid;
        boolean deferred;
        private int[] done = new int[16];
        private int doneCount;

        Rest(int pid) {
            this.pid = pid;
        }

        /**
         * Reads the fds not read yet, recording wanted sockets; stops early when one of {@code restLast} is met
         * ({@link #deferred} then says so).
         *
         * @return whether nothing is missing any more
         */
        boolean read(FdTableReader reader, int dirfd, Set<Long> wanted, Set<Long> restLast, Map<Long, Object> owners) {
            boolean second = deferred;
            if (second) {
                Arrays.sort(done, 0, doneCount);
            }
            deferred = false;
            for (int n = reader.next(dirfd); n > 0; n = reader.next(dirfd)) {
                int[] fds = reader.listed();
                for (int i = 0; i < n; i++) {
                    int fd = fds[i];
                    if (second) {
                        if (Arrays.binarySearch(done, 0, doneCount, fd) >= 0) {
                            continue;
                        }
                    } else if (!restLast.isEmpty()) {
                        if (doneCount == done.length) {
                            done = Arrays.copyOf(done, doneCount * 2);
                        }
                        done[doneCount++] = fd;
                    }
                    long inode = reader.socketInode(dirfd, fd);
                    if (inode > 0 && wanted.contains(inode)) {
                        add(owners, inode, pid);
                        if (owners.size() == wanted.size()) {
                            return true;
                        }
                    }
                    if (inode > 0 && restLast.contains(inode)) {
                        deferred = true;
                        return false;
                    }
                }
            }
            return false;
        }
    }

    /**
     * The pids ordered by how many fds each has open, most first (ties: lowest pid first). Since Linux 6.2 the size of
     * {@code /proc/PID/fd} is that count, one {@code stat} per process; a process can hold no more of the wanted
     * sockets than it has fds, so a process holding many (a leaking client) is read before the many small ones, and
     * the scan stops sooner. On older kernels every size is 0 and the order stays by pid.
     */
    static List<Integer> mostFdsFirst(ProcFs proc, List<Integer> pids) {
        long[] keyed = new long[pids.size()];
        int n = 0;
        for (int pid : pids) {
            long fds;
            try {
                fds = Files.readAttributes(Path.of(fdDir(proc, pid)), BasicFileAttributes.class, NOFOLLOW_LINKS)
                        .size();
            } catch (IOException | RuntimeException e) {
                fds = 0; // gone or not ours to see: read (and skipped) last
            }
            // fd count in the high bits (inverted: most first), pid in the low 32 bits.
            keyed[n++] = ((0x7fff_ffffL - Math.min(Math.max(fds, 0), 0x7fff_ffffL)) << 32) | pid;
        }
        Arrays.sort(keyed, 0, n);
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add((int) keyed[i]);
        }
        return order;
    }

    private static List<Integer> sortedPids(ProcFs proc) {
        List<Integer> pids = proc.pids();
        pids.sort(null); // lowest first, so a shared socket's first owners are the oldest processes
        return pids;
    }

    static String fdDir(ProcFs proc, int pid) {
        return proc.proc().toString() + "/" + pid + "/fd";
    }

    /** Records {@code pid} as an owner of {@code inode} (once per process). */
    static void add(Map<Long, Object> owners, long inode, int pid) {
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
        int[] more = Arrays.copyOf(pids, pids.length + 1);
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
        return Arrays.stream((int[]) o).sorted().boxed().toList();
    }

    /** Every (inode, pid) pair, for tests that compare two scans whole. */
    void forEachOwner(java.util.function.BiConsumer<Long, Integer> action) {
        owners.keySet().forEach(inode -> pidsOf(inode).forEach(pid -> action.accept(inode, pid)));
    }

    /** How many distinct socket inodes some process holds. */
    public int socketCount() {
        return owners.size();
    }

    /** How many processes' fd tables were read (with the BPF iterator: every process {@code /proc} lists). */
    public int processCount() {
        return processes;
    }

    /** What read the fd tables. */
    public Reader reader() {
        return reader;
    }
}
