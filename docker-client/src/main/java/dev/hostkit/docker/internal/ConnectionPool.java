package dev.hostkit.docker.internal;

import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.io.CloseMode;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * At most {@code max} HTTP connections to one engine: leased ones plus idle ones plus ones being
 * connected never exceed it. A lease takes one of {@code max} permits (a compare-and-set when one is
 * free: no lock, so 16 threads on two CPUs do not queue behind a preempted lock holder), then the
 * newest idle connection (so the oldest age out), or connects a new one. A connection goes back to
 * the idle stack before its permit is returned, which keeps the bound exact. {@link #evictIdle}
 * closes connections idle longer than the idle timeout. A lease waits at most its timeout for a
 * permit and then fails.
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
        // The socket under it: the call deadline and the count of response bytes live there.
        final UnixSocketAdapter socket;
        // Reused per request on this connection: the executor only records the session in it.
        final HttpCoreContext context = HttpCoreContext.create();
        // False once the connection served a request: only a reused connection can be found dead.
        boolean fresh = true;
        volatile long idleSince;

        private Entry(ManagedHttpClientConnection connection) {
            this.connection = connection;
            this.socket = (UnixSocketAdapter) connection.getSocket();
        }

        void close() {
            connection.close(CloseMode.IMMEDIATE);
        }
    }

    private final int max;
    private final long idleTimeoutNanos;
    private final long validateAfterNanos;
    private final Connector connector;
    private final Semaphore permits;
    private final ConcurrentLinkedDeque<Entry> idle = new ConcurrentLinkedDeque<>();
    private final Set<ManagedHttpClientConnection> all = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    ConnectionPool(int max, long idleTimeoutNanos, long validateAfterNanos, Connector connector) {
        this.max = max;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.validateAfterNanos = validateAfterNanos;
        this.connector = connector;
        this.permits = new Semaphore(max);
    }

    /**
     * A connection for one request: an idle one that is still good, else a new one, waiting at most
     * {@code timeoutNanos} for a free slot.
     *
     * @throws ExhaustedException when no slot became free in time
     * @throws IOException when connecting failed (the slot is given back)
     * @throws InterruptedException when interrupted while waiting
     * @throws IllegalStateException when the pool is closed
     */
    Entry lease(long timeoutNanos) throws IOException, InterruptedException {
        ensureOpen();
        if (!permits.tryAcquire() && !permits.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
            throw new ExhaustedException(max - permits.availablePermits(), max);
        }
        boolean leased = false;
        try {
            ensureOpen();
            Entry e;
            while ((e = idle.pollFirst()) != null) {
                long idleFor = System.nanoTime() - e.idleSince;
                boolean usable = idleFor < idleTimeoutNanos
                        && e.connection.isOpen()
                        // An engine may close (or restart and drop) a connection that sat idle: probe it first.
                        && (idleFor < validateAfterNanos || !isStale(e));
                if (usable) {
                    e.fresh = false;
                    leased = true;
                    return e;
                }
                forget(e);
            }
            e = connect();
            leased = true;
            return e;
        } finally {
            if (!leased) {
                permits.release();
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the connection pool is closed");
        }
    }

    private static boolean isStale(Entry e) {
        try {
            return e.connection.isStale();
        } catch (IOException ex) {
            return true;
        }
    }

    private Entry connect() throws IOException {
        ManagedHttpClientConnection c = connector.connect();
        all.add(c);
        if (closed) {
            all.remove(c);
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
        try {
            if (reusable && !closed && e.connection.isOpen()) {
                e.idleSince = System.nanoTime();
                idle.offerFirst(e);
                if (closed && idle.remove(e)) {
                    forget(e); // close() ran meanwhile and may have missed it
                }
            } else {
                forget(e);
            }
        } finally {
            permits.release();
        }
    }

    private void forget(Entry e) {
        all.remove(e.connection);
        e.close();
    }

    /** Closes connections idle for longer than the idle timeout (the oldest are at the tail). */
    void evictIdle() {
        long now = System.nanoTime();
        Entry e;
        while ((e = idle.peekLast()) != null && now - e.idleSince >= idleTimeoutNanos) {
            if (idle.removeLastOccurrence(e)) {
                forget(e);
            }
        }
    }

    /** Connections held: leased (or connecting) plus idle. */
    int open() {
        return max - permits.availablePermits() + idle.size();
    }

    /** Closes every connection, leased ones included (their calls fail); later leases fail. */
    @Override
    public void close() {
        closed = true;
        idle.clear();
        for (ManagedHttpClientConnection c : List.copyOf(all)) {
            all.remove(c);
            c.close(CloseMode.IMMEDIATE);
        }
    }

    static long nanos(java.time.Duration d) {
        return TimeUnit.NANOSECONDS.convert(d);
    }
}
