package dev.hostkit.core;

import dev.hostkit.core.internal.LibC;
import dev.hostkit.core.internal.bpf.BpfException;
import dev.hostkit.core.internal.bpf.SocketFileIterators;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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

    private SocketOwners(Map<Long, Object> owners, int processes, Reader reader) {
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
        SocketOwners bpf = KernelSocketScan.scan(proc, null);
        if (bpf != null) {
            return bpf;
        }
        return scan(proc, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
    }

    /** {@link #scan(ProcFs)} on {@code threads} threads (1: the calling thread alone). */
    static SocketOwners scan(ProcFs proc, int threads) {
        return new ParallelScan(proc, sortedPids(proc)).run(threads);
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
        SocketOwners bpf = KernelSocketScan.scan(proc, wanted);
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

    private static String fdDir(ProcFs proc, int pid) {
        return proc.proc().toString() + "/" + pid + "/fd";
    }

    /**
     * The full scan shared by its threads: each takes the next process; a table longer than two chunks is published
     * so that every thread reads chunks of it. Each thread keeps its own map; they are merged at the end.
     */
    private static final class ParallelScan {
        private final ProcFs proc;
        private final List<Integer> pids;
        private final AtomicInteger nextPid = new AtomicInteger();
        private final AtomicInteger listing = new AtomicInteger(); // threads that claimed a process not yet published
        private final Queue<LongTable> open = new ConcurrentLinkedQueue<>();
        private final List<LongTable> published = Collections.synchronizedList(new ArrayList<>());

        ParallelScan(ProcFs proc, List<Integer> pids) {
            this.proc = proc;
            this.pids = pids;
        }

        SocketOwners run(int threads) {
            List<Worker> workers = new ArrayList<>();
            List<Thread> started = new ArrayList<>();
            try {
                for (int i = 1; i < threads && i < pids.size(); i++) {
                    Worker w = new Worker();
                    Thread t = new Thread(w, "hostkit-socket-owners-" + i);
                    t.setDaemon(true);
                    workers.add(w);
                    t.start();
                    started.add(t);
                }
                Worker self = new Worker();
                workers.add(self);
                self.run();
            } finally {
                // Joined on every path (an Error in this thread included) before the shared tables' fds are closed:
                // a worker still reading one would otherwise read a closed, maybe reused, fd number.
                for (Thread t : started) {
                    joinUninterruptibly(t);
                }
                for (LongTable t : published) {
                    t.close(); // every worker has ended: tables a failed worker left are closed here
                }
            }
            Map<Long, Object> owners = new HashMap<>(4096);
            int processes = 0;
            for (Worker w : workers) {
                if (w.failure instanceof RuntimeException e) {
                    throw e;
                }
                if (w.failure instanceof Error e) {
                    throw e;
                }
                processes += w.processes;
                w.owners.forEach((inode, who) -> {
                    if (who instanceof Integer pid) {
                        add(owners, inode, pid);
                    } else {
                        for (int pid : (int[]) who) {
                            add(owners, inode, pid);
                        }
                    }
                });
            }
            return new SocketOwners(owners, processes);
        }

        private static void joinUninterruptibly(Thread t) {
            boolean interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private final class Worker implements Runnable {
            final Map<Long, Object> owners = new HashMap<>(4096);
            int processes;
            Throwable failure;

            @Override
            public void run() {
                try (FdTableReader reader = new FdTableReader()) {
                    while (true) {
                        LongTable table = open.peek();
                        if (table != null) {
                            if (!table.readChunk(reader, owners)) {
                                open.remove(table);
                            }
                            continue;
                        }
                        listing.incrementAndGet();
                        int i = nextPid.getAndIncrement();
                        if (i < pids.size()) {
                            readProcess(reader, pids.get(i));
                            continue;
                        }
                        listing.decrementAndGet();
                        if (listing.get() == 0 && open.isEmpty()) {
                            return;
                        }
                        Thread.onSpinWait(); // another thread is listing a table it may publish
                        Thread.yield();
                    }
                } catch (RuntimeException | Error e) {
                    failure = e; // rethrown by run(threads) once every thread has ended
                }
            }

            // Reads a short table whole; publishes a long one for every thread (called with `listing` counted).
            private void readProcess(FdTableReader reader, int pid) {
                int dirfd = FdTableReader.open(fdDir(proc, pid));
                if (dirfd < 0) {
                    listing.decrementAndGet();
                    return;
                }
                processes++;
                int[] fds = new int[0];
                int count = 0;
                boolean handedOver = false;
                try {
                    for (int n = reader.next(dirfd); n > 0; n = reader.next(dirfd)) {
                        if (count + n > fds.length) {
                            fds = Arrays.copyOf(fds, Math.max(count + n, fds.length * 2));
                        }
                        System.arraycopy(reader.listed(), 0, fds, count, n);
                        count += n;
                    }
                    if (count > 2 * CHUNK) {
                        LongTable table = new LongTable(pid, dirfd, fds, count);
                        published.add(table);
                        open.add(table);
                        handedOver = true;
                        return;
                    }
                    for (int i = 0; i < count; i++) {
                        long inode = reader.socketInode(dirfd, fds[i]);
                        if (inode > 0) {
                            add(owners, inode, pid);
                        }
                    }
                } finally {
                    listing.decrementAndGet();
                    if (!handedOver) {
                        LibC.closeQuietly(dirfd);
                    }
                }
            }
        }
    }

    /** A long fd table read in chunks by several threads; its fd is closed once every chunk is read. */
    private static final class LongTable {
        private final int pid;
        private final int dirfd;
        private final int[] fds;
        private final int count;
        private final AtomicInteger nextChunk = new AtomicInteger();
        private final AtomicInteger unread;
        private final AtomicBoolean closed = new AtomicBoolean();

        LongTable(int pid, int dirfd, int[] fds, int count) {
            this.pid = pid;
            this.dirfd = dirfd;
            this.fds = fds;
            this.count = count;
            this.unread = new AtomicInteger(count);
        }

        // false when every chunk has been claimed
        boolean readChunk(FdTableReader reader, Map<Long, Object> owners) {
            int from = nextChunk.getAndAdd(CHUNK);
            if (from >= count) {
                return false;
            }
            int to = Math.min(count, from + CHUNK);
            try {
                for (int i = from; i < to; i++) {
                    long inode = reader.socketInode(dirfd, fds[i]);
                    if (inode > 0) {
                        add(owners, inode, pid);
                    }
                }
            } finally {
                if (unread.addAndGet(from - to) == 0) {
                    close();
                }
            }
            return true;
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                LibC.closeQuietly(dirfd);
            }
        }
    }

    /** The BPF iterator's answer, when it can give one for {@code proc}. */
    private static final class KernelSocketScan {
        private static final Logger LOG = LoggerFactory.getLogger(SocketOwners.class);
        private static final Path SYSTEM_PROC = ProcFs.system().proc();

        /** Owners as the iterator reports them, keeping {@code wanted} only (null: all); null when it cannot answer. */
        static SocketOwners scan(ProcFs proc, Set<Long> wanted) {
            // The iterator sees the live host only: a fixture tree (a test's, an old kernel's) is read as files.
            if (!proc.proc().equals(SYSTEM_PROC)) {
                return null;
            }
            Map<Long, Object> owners = new HashMap<>(wanted == null ? 4096 : wanted.size() * 2);
            try {
                boolean served = SocketFileIterators.scan((tgid, fd, inode) -> {
                    if (wanted == null || wanted.contains(inode)) {
                        add(owners, inode, tgid);
                    }
                });
                if (!served) {
                    return null;
                }
            } catch (BpfException e) {
                LOG.debug("socket owners: BPF iterator failed, reading /proc/PID/fd this time: {}", e.getMessage());
                return null;
            }
            // Every process's table was visited: as many as /proc lists (the /proc scan counts the same ones).
            return new SocketOwners(owners, proc.pids().size(), Reader.BPF_TASK_FILE);
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
