package dev.hostkit.guard;

import dev.hostkit.core.AtomicFiles;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    /** Whether the status may have changed since a batch last took this. Guarded by {@link #pending}. */
    private boolean statusAsked;
    /** The guardian's status now (null until {@link #publishStatus}); called on the writer thread, after the batch. */
    private volatile StatusSource status;
    /** The status last written (writer thread only). */
    private GuardianStatus statusWritten;

    /**
     * The guardian's status as {@link GuardianStatus}, or null when it cannot be taken now without waiting on a
     * namespace's lock (a repair holding it may be waiting for this very thread: the status is asked again).
     */
    @FunctionalInterface
    interface StatusSource {
        GuardianStatus now();
    }

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

    /**
     * Publishes the guardian's status in the state directory ({@link GuardianStatus#FILE}) from now on: written now,
     * then after any batch that follows {@link #statusChanged()} when it differs from what was written; removed by
     * {@link #close()}.
     */
    void publishStatus(StatusSource source) {
        status = source;
        statusChanged();
    }

    /** What the status says may have changed: a batch (the next, or one of its own) writes it again if it differs. */
    void statusChanged() {
        if (status == null) {
            return; // not published (yet): nothing to keep up to date
        }
        synchronized (pending) {
            statusAsked = true;
            if (batchQueued) {
                return;
            }
            batchQueued = true;
        }
        queueBatch();
    }

    private void ask(Pending p) {
        synchronized (pending) {
            pending.put(p.id(), p); // replaces an older change of the same namespace in its place
            statusAsked |= status != null; // a state written or removed may change what the status says
            if (batchQueued) {
                return; // the queued batch has not taken the changes yet: it takes this one too
            }
            batchQueued = true;
        }
        queueBatch();
    }

    private void queueBatch() {
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
        boolean statusToo;
        synchronized (pending) {
            batch = new ArrayList<>(pending.values());
            pending.clear();
            batchQueued = false;
            statusToo = statusAsked;
            statusAsked = false;
        }
        try {
            writeStates(batch);
        } finally {
            if (statusToo) {
                writeStatus();
            }
        }
    }

    // After the batch's state files: the status never names an interface whose snapshot is not on disk yet.
    private void writeStatus() {
        StatusSource source = status;
        GuardianStatus now;
        try {
            now = source.now();
        } catch (RuntimeException | Error e) {
            failed("take the guardian's status", e);
            return;
        }
        if (now == null) {
            statusChanged(); // a namespace was busy: asked again behind what is queued (a flush among it)
            return;
        }
        if (now.equals(statusWritten)) {
            return;
        }
        try {
            AtomicFiles.write(statusFile(), StatusFile.encode(now), AtomicFiles.OWNER_ONLY);
            statusWritten = now;
        } catch (IOException | RuntimeException e) {
            failed("write the guardian's status " + statusFile(), e);
            // A status that is no longer true must not stay: without it, readers look for themselves.
            statusWritten = null;
            try {
                Files.deleteIfExists(statusFile());
            } catch (IOException again) {
                log.warn("guardian: cannot remove its stale status file {}: {}", statusFile(), again.toString());
            }
        }
    }

    private Path statusFile() {
        return store.dir().resolve(GuardianStatus.FILE);
    }

    private void writeStates(List<Pending> batch) {
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

    /**
     * Waits (up to 30 s) for the writes asked so far, then stops the thread and removes the status file, if one was
     * published: a stopped guardian says nothing.
     */
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
        if (status != null) {
            try {
                Files.deleteIfExists(statusFile());
            } catch (IOException e) {
                log.warn("guardian: cannot remove its status file {}: {}", statusFile(), e.toString());
            }
        }
    }
}
