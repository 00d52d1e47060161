package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Writes and removes the guardian's state files on one background thread, so a repair never waits on the disk. What
 * is asked while a batch is being written is coalesced (the latest state of each namespace wins) and written as the
 * next batch, with one directory fsync for all of it ({@link SnapshotStore#writeAll}); each namespace's changes reach
 * the disk in the order asked. No failure is dropped: every error (I/O or not) is logged with the file's namespace and
 * counted as a state-file error; {@link #close()} waits for the writes in flight.
 */
final class StateWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);

    private final SnapshotStore store;
    private final GuardCounters counters;
    private final ExecutorService writer;
    /** What is asked and not yet taken by a batch, by namespace, in the order first asked. Guarded by itself. */
    private final Map<NsId, Pending> pending = new LinkedHashMap<>();
    /** Whether a batch task is queued that has not yet taken {@link #pending}. Guarded by {@link #pending}. */
    private boolean batchQueued;

    /** One namespace's latest change: its state (null: remove the file), and what to check and run around it. */
    private record Pending(NsId id, NamespaceState state, BooleanSupplier stillCurrent, Runnable written) {
        String what() {
            return state == null ? "remove state of net:[" + id.inode() + "]" : "write state of " + state.namespace();
        }
    }

    StateWriter(SnapshotStore store, GuardCounters counters) {
        this.store = store;
        this.counters = counters;
        // One thread at most (batches stay in order), made on demand and gone after a second idle.
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
     * {@code written}. A later change of the same namespace asked before this one is written replaces it (its
     * {@code written} runs instead).
     */
    void write(NamespaceState state, BooleanSupplier stillCurrent, Runnable written) {
        ask(new Pending(state.namespace().id(), state, stillCurrent, written));
    }

    /** Removes the state file of {@code id}. */
    void delete(NsId id) {
        ask(new Pending(id, null, () -> true, () -> {}));
    }

    /**
     * Waits until the writes asked so far are done, at most {@code timeout}.
     *
     * @return whether they are done
     */
    boolean flush(Duration timeout) {
        CountDownLatch done = new CountDownLatch(1);
        try {
            writer.execute(done::countDown); // queued behind the batch that takes every change asked so far
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return false; // closing: close() waits for them
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void ask(Pending p) {
        synchronized (pending) {
            pending.put(p.id(), p); // replaces an older change of the same namespace in its place
            if (batchQueued) {
                return; // the queued batch has not taken the changes yet: it takes this one too
            }
            batchQueued = true;
        }
        try {
            writer.execute(this::writeBatch);
        } catch (RejectedExecutionException e) {
            List<Pending> lost;
            synchronized (pending) {
                lost = new ArrayList<>(pending.values());
                pending.clear();
                batchQueued = false;
            }
            lost.forEach(l -> failed(l.what() + " (the guardian is closing)", e));
        }
    }

    // On the writer thread: takes every change asked so far and writes them as one batch.
    private void writeBatch() {
        List<Pending> batch;
        synchronized (pending) {
            batch = new ArrayList<>(pending.values());
            pending.clear();
            batchQueued = false;
        }
        List<SnapshotStore.Change> changes = new ArrayList<>();
        List<Pending> asked = new ArrayList<>();
        for (Pending p : batch) {
            try {
                if (p.stillCurrent().getAsBoolean()) {
                    changes.add(new SnapshotStore.Change(p.id(), p.state()));
                    asked.add(p);
                }
            } catch (RuntimeException | Error e) {
                failed(p.what(), e); // not an I/O error: a bug or a bad value; said and counted all the same
            }
        }
        Map<NsId, IOException> errors;
        try {
            errors = store.writeAll(changes);
        } catch (RuntimeException | Error e) {
            asked.forEach(p -> failed(p.what(), e));
            return;
        }
        for (Pending p : asked) {
            IOException e = errors.get(p.id());
            if (e != null) {
                failed(p.what(), e);
                continue;
            }
            try {
                p.written().run();
            } catch (RuntimeException | Error err) {
                failed(p.what(), err);
            }
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
