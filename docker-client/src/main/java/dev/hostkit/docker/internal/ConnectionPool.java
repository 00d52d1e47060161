package dev.hostkit.docker.internal;

import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.io.CloseMode;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * At most {@code max} HTTP connections to one engine: leased ones plus idle ones plus ones being
 * connected never exceed it. Idle connections are reused newest first (so the oldest age out), and
 * {@link #evictIdle} closes those idle longer than the idle timeout. A lease waits at most its
 * timeout for a free slot and then fails; nothing is ever closed while the pool lock is held.
 */
final class ConnectionPool implements AutoCloseable {
    /** Opens one connection (a connect that may fail or time out). */
    interface Connector {
        ManagedHttpClientConnection connect() throws IOException;
    }

    /** No slot became free within the lease timeout. */
    static final class ExhaustedException extends IOException {
        private static final long serialVersionUID = 1L;
        final int leased;
        final int max;

        ExhaustedException(int leased, int max) {
            super(leased + " of " + max + " connections in use");
            this.leased = leased;
            this.max = max;
        }
    }

    /** One connection and what the pool knows about it; used by one thread at a time while leased. */
    static final class Entry {
        final ManagedHttpClientConnection connection;
        // Reused per request on this connection: the executor only records the session in it.
        final HttpCoreContext context = HttpCoreContext.create();
        // False once the connection served a request: only a reused connection can be found dead.
        boolean fresh = true;
        long idleSince;

        private Entry(ManagedHttpClientConnection connection) {
            this.connection = connection;
        }

        void close() {
            connection.close(CloseMode.IMMEDIATE);
        }
    }

    private final int max;
    private final long idleTimeoutNanos;
    private final long validateAfterNanos;
    private final Connector connector;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private final ArrayDeque<Entry> idle = new ArrayDeque<>();
    private final Set<ManagedHttpClientConnection> all = new HashSet<>();
    private int leased; // leased or being connected
    private boolean closed;

    ConnectionPool(int max, long idleTimeoutNanos, long validateAfterNanos, Connector connector) {
        this.max = max;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.validateAfterNanos = validateAfterNanos;
        this.connector = connector;
    }

    /**
     * A connection for one request: an idle one that is still good, else a new one if a slot is free,
     * else the first one released within {@code timeoutNanos}.
     *
     * @throws ExhaustedException when no slot became free in time
     * @throws IOException when connecting failed (the slot is given back)
     * @throws InterruptedException when interrupted while waiting
     */
    Entry lease(long timeoutNanos) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Entry e = takeOrReserve(deadline);
            if (e == null) {
                return connect();
            }
            long idleFor = System.nanoTime() - e.idleSince;
            boolean usable = idleFor < idleTimeoutNanos && e.connection.isOpen()
                    // An engine may close (or restart and drop) a connection that sat idle: probe it first.
                    && (idleFor < validateAfterNanos || !isStale(e));
            if (usable) {
                return e;
            }
            discard(e);
        }
    }

    private static boolean isStale(Entry e) {
        try {
            return e.connection.isStale();
        } catch (IOException ex) {
            return true;
        }
    }

    // Under the lock: pops an idle entry, or reserves a slot for a new connection (returns null).
    private Entry takeOrReserve(long deadline) throws ExhaustedException, InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                if (closed) {
                    throw new IllegalStateException("the connection pool is closed");
                }
                Entry e = idle.pollFirst();
                if (e != null) {
                    leased++;
                    e.fresh = false;
                    return e;
                }
                if (leased + idle.size() < max) {
                    leased++;
                    return null;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ExhaustedException(leased, max);
                }
                freed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private Entry connect() throws IOException {
        ManagedHttpClientConnection c = null;
        boolean poolClosed;
        try {
            c = connector.connect();
        } finally {
            lock.lock();
            try {
                poolClosed = closed;
                if (c == null || poolClosed) {
                    leased--;
                    freed.signal();
                } else {
                    all.add(c);
                }
            } finally {
                lock.unlock();
            }
        }
        if (poolClosed) {
            c.close(CloseMode.IMMEDIATE);
            throw new IllegalStateException("the connection pool is closed");
        }
        return new Entry(c);
    }

    /**
     * Gives a leased connection back: kept for reuse when {@code reusable} (its response was read to
     * the end and the engine did not ask to close), closed otherwise.
     */
    void release(Entry e, boolean reusable) {
        boolean keep;
        lock.lock();
        try {
            leased--;
            keep = reusable && !closed && e.connection.isOpen();
            if (keep) {
                e.idleSince = System.nanoTime();
                idle.addFirst(e);
            } else {
                all.remove(e.connection);
            }
            freed.signal();
        } finally {
            lock.unlock();
        }
        if (!keep) {
            e.close();
        }
    }

    private void discard(Entry e) {
        release(e, false);
    }

    /** Closes connections idle for longer than the idle timeout. */
    void evictIdle() {
        List<Entry> expired = new ArrayList<>();
        lock.lock();
        try {
            long now = System.nanoTime();
            // Oldest at the tail.
            while (!idle.isEmpty() && now - idle.peekLast().idleSince >= idleTimeoutNanos) {
                Entry e = idle.pollLast();
                all.remove(e.connection);
                expired.add(e);
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(Entry::close);
    }

    /** Connections held: leased (or connecting) plus idle. */
    int open() {
        lock.lock();
        try {
            return leased + idle.size();
        } finally {
            lock.unlock();
        }
    }

    /** Connections leased (or connecting) right now. */
    int leased() {
        lock.lock();
        try {
            return leased;
        } finally {
            lock.unlock();
        }
    }

    /** The bound. */
    int max() {
        return max;
    }

    /** Closes every connection, leased ones included (their calls fail); later leases fail. */
    @Override
    public void close() {
        List<ManagedHttpClientConnection> toClose;
        lock.lock();
        try {
            closed = true;
            toClose = new ArrayList<>(all);
            all.clear();
            idle.clear();
            freed.signalAll();
        } finally {
            lock.unlock();
        }
        for (ManagedHttpClientConnection c : toClose) {
            c.close(CloseMode.IMMEDIATE);
        }
    }

    static long nanos(java.time.Duration d) {
        return TimeUnit.NANOSECONDS.convert(d);
    }
}
