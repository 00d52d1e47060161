package dev.hostkit.doctor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * This process's own short connections to the Docker engine, kept apart from the socket survey's sock_diag dump:
 * while a dump runs no engine call of the doctor's is open, and no dump starts while one is. Engine calls may overlap
 * each other. Both sides wait at most {@link #WAIT_MILLIS} ms, then go on unguarded (a stuck engine must not blind
 * the survey).
 */
final class OwnEngineConnections {
    /**
     * How long either side waits for the other. A connection the dump lists but that closes before the {@code /proc}
     * scan reaches this process is never found, and the scan then reads every process's fd table to its end: in the
     * doctor the {@code docker} and {@code cgroups} checks connect while the {@code dockerClients} survey dumps, and
     * that race turned most surveys into full scans (2 processes read instead of 285, with 100 containers).
     */
    static final long WAIT_MILLIS = 1_000;

    private static final ReentrantReadWriteLock LOCK = new ReentrantReadWriteLock();

    private OwnEngineConnections() {}

    /** Runs {@code call}, which opens and closes its own connections to the engine, outside any survey dump. */
    static <T> T call(Supplier<T> call) {
        return guarded(LOCK.readLock(), call);
    }

    /** Takes {@code dump} while none of this process's engine calls has a connection open. */
    static <T> T dump(Supplier<T> dump) {
        return guarded(LOCK.writeLock(), dump);
    }

    private static <T> T guarded(Lock lock, Supplier<T> work) {
        boolean locked;
        try {
            locked = lock.tryLock(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the doctor gave up on this check: finish unguarded, it is discarded
            locked = false;
        }
        try {
            return work.get();
        } finally {
            if (locked) {
                lock.unlock();
            }
        }
    }
}
