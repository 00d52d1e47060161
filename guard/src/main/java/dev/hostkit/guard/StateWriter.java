package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Writes and removes the guardian's state files on one background thread, in the order asked, so a repair never
 * waits on the disk. No failure is dropped: every task's error (I/O or not) is logged with the file's namespace and
 * counted as a state-file error; {@link #close()} waits for the writes in flight.
 */
final class StateWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);

    private final SnapshotStore store;
    private final GuardCounters counters;
    private final ExecutorService writer;

    StateWriter(SnapshotStore store, GuardCounters counters) {
        this.store = store;
        this.counters = counters;
        // One thread at most (writes stay in order), made on demand and gone after a second idle.
        ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "hostkit-guard-store");
            t.setDaemon(true);
            return t;
        });
        one.allowCoreThreadTimeOut(true);
        this.writer = one;
    }

    /**
     * Writes {@code state} unless {@code stillCurrent} says its namespace was dropped meanwhile, then runs
     * {@code written}.
     */
    void write(NamespaceState state, BooleanSupplier stillCurrent, Runnable written) {
        run("write state of " + state.namespace(), () -> {
            if (stillCurrent.getAsBoolean()) {
                store.write(state);
                written.run();
            }
        });
    }

    /**
     * Waits until the writes asked so far are done, at most {@code timeout}.
     *
     * @return whether they are done
     */
    boolean flush(Duration timeout) {
        CountDownLatch done = new CountDownLatch(1);
        try {
            writer.execute(done::countDown);
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return false; // closing: close() waits for them
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Removes the state file of {@code id}. */
    void delete(NsId id) {
        run("remove state of net:[" + id.inode() + "]", () -> store.delete(id));
    }

    private interface Io {
        void run() throws IOException;
    }

    private void run(String what, Io task) {
        try {
            writer.execute(() -> {
                try {
                    task.run();
                } catch (IOException | UncheckedIOException e) {
                    failed(what, e);
                } catch (RuntimeException | Error e) {
                    failed(what, e); // not an I/O error: a bug or a bad value; said and counted all the same
                }
            });
        } catch (RejectedExecutionException e) {
            failed(what + " (the guardian is closing)", e);
        }
    }

    private void failed(String what, Throwable e) {
        counters.stateFileErrors.incrementAndGet();
        log.warn("guardian: cannot {}: {}", what, e.toString(), e);
    }

    /** Waits (up to 30 s) for the writes asked so far, then stops the thread. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
                writer.shutdownNow();
                log.warn("guardian: state writes still running after 30 s were abandoned");
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
