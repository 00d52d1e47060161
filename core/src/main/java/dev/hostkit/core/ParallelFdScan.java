package dev.hostkit.core;

import dev.hostkit.core.internal.LibC;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The full {@code /proc} scan of {@link SocketOwners#scan(ProcFs)}, shared by its threads: each takes the next process;
 * a table longer than two chunks is published so that every thread reads chunks of it. Each thread keeps its own map;
 * they are merged at the end, so the answer does not depend on how the work was split.
 */
final class ParallelFdScan {
    private final ProcFs proc;
    private final List<Integer> pids;
    private final AtomicInteger nextPid = new AtomicInteger();
    private final AtomicInteger listing = new AtomicInteger(); // threads that claimed a process not yet published
    private final Queue<LongFdTable> open = new ConcurrentLinkedQueue<>();
    private final List<LongFdTable> published = Collections.synchronizedList(new ArrayList<>());

    ParallelFdScan(ProcFs proc, List<Integer> pids) {
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
            for (LongFdTable t : published) {
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
                    SocketOwners.add(owners, inode, pid);
                } else {
                    for (int pid : (int[]) who) {
                        SocketOwners.add(owners, inode, pid);
                    }
                }
            });
        }
        return new SocketOwners(owners, processes, SocketOwners.Reader.PROC_FD_LINKS);
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
                    LongFdTable table = open.peek();
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
            int dirfd = FdTableReader.open(SocketOwners.fdDir(proc, pid));
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
                if (count > 2 * SocketOwners.CHUNK) {
                    LongFdTable table = new LongFdTable(pid, dirfd, fds, count);
                    published.add(table);
                    open.add(table);
                    handedOver = true;
                    return;
                }
                for (int i = 0; i < count; i++) {
                    long inode = reader.socketInode(dirfd, fds[i]);
                    if (inode > 0) {
                        SocketOwners.add(owners, inode, pid);
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

    /** A long fd table read in chunks by several threads; its fd is closed once every chunk is read. */
    private static final class LongFdTable {
        private final int pid;
        private final int dirfd;
        private final int[] fds;
        private final int count;
        private final AtomicInteger nextChunk = new AtomicInteger();
        private final AtomicInteger unread;
        private final AtomicBoolean closed = new AtomicBoolean();

        LongFdTable(int pid, int dirfd, int[] fds, int count) {
            this.pid = pid;
            this.dirfd = dirfd;
            this.fds = fds;
            this.count = count;
            this.unread = new AtomicInteger(count);
        }

        // false when every chunk has been claimed
        boolean readChunk(FdTableReader reader, Map<Long, Object> owners) {
            int from = nextChunk.getAndAdd(SocketOwners.CHUNK);
            if (from >= count) {
                return false;
            }
            int to = Math.min(count, from + SocketOwners.CHUNK);
            try {
                for (int i = from; i < to; i++) {
                    long inode = reader.socketInode(dirfd, fds[i]);
                    if (inode > 0) {
                        SocketOwners.add(owners, inode, pid);
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
}
