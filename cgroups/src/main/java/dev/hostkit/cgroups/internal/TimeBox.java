package dev.hostkit.cgroups.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs blocking kernel writes on a worker thread, each within a time limit. A call that outlives its limit (or
 * whose caller is interrupted) is cancelled with an interrupt and its worker abandoned; the next call gets a new one.
 *
 * <p>Why abandon rather than wait: a write to {@code memory.reclaim} or {@code memory.force_empty} sits in the kernel
 * until reclaim gives up, and Java cannot pull a thread out of a system call. The interrupt closes the channel, so
 * the worker ends as soon as the kernel returns (the reclaim loops are bounded and stop on a pending signal). Workers
 * are daemon threads: they never keep the JVM alive. {@link #stillRunning()} names those not yet ended.
 */
public final class TimeBox implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;
    private final List<Thread> abandoned = new ArrayList<>();
    private ExecutorService worker;
    private Thread workerThread;

    /** @param name the worker threads' name prefix */
    public TimeBox(String name) {
        this.name = name;
    }

    /**
     * Runs {@code task} on the worker and waits at most {@code limit}.
     *
     * @throws TimeoutException when it did not finish in time (the worker was interrupted and abandoned)
     * @throws InterruptedException when the caller was interrupted (the worker was interrupted and abandoned)
     * @throws ExecutionException what the task threw
     */
    public <T> T call(Callable<T> task, Duration limit)
            throws TimeoutException, InterruptedException, ExecutionException {
        if (worker == null) {
            worker = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name + "-" + SEQUENCE.incrementAndGet());
                t.setDaemon(true);
                workerThread = t;
                return t;
            });
        }
        Future<T> f = worker.submit(task);
        try {
            return f.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException e) {
            f.cancel(true);
            worker.shutdownNow();
            if (workerThread != null) {
                abandoned.add(workerThread);
            }
            worker = null;
            workerThread = null;
            throw e;
        }
    }

    /** Names of abandoned workers still alive (inside a kernel call). */
    public List<String> stillRunning() {
        return abandoned.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    /** Ends the idle worker; abandoned ones end on their own when the kernel returns. */
    @Override
    public void close() {
        if (worker != null) {
            worker.shutdownNow();
            try {
                worker.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            worker = null;
        }
    }
}
