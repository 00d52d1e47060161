package dev.hostkit.core.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The process's one thread for periodic upkeep (read deadlines, idle-connection eviction, releasing leaked
 * objects): a low-priority daemon that exists only while some task is registered and ends a second after the
 * last one is cancelled, so an idle library leaves no thread behind. Tasks must be short and must not block.
 */
public final class Ticker {
    private static final Logger LOG = LoggerFactory.getLogger(Ticker.class);
    private static final Ticker SHARED = new Ticker("hostkit-ticker");

    private final ScheduledThreadPoolExecutor executor;

    private Ticker(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setKeepAliveTime(1, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true);
    }

    /** The process-wide ticker. */
    public static Ticker shared() {
        return SHARED;
    }

    /**
     * Runs {@code task} every {@code period} until the returned handle is closed. Each run also releases objects
     * that were dropped without {@code close()} ({@link LeakWatch#drain()}), so leaks are cleaned up promptly while
     * anything ticks. A task that throws is logged and keeps its schedule.
     *
     * @param what what the task does, for the log
     * @return the handle that cancels it
     */
    public Task every(Duration period, String what, Runnable task) {
        long nanos = period.toNanos();
        ScheduledFuture<?> f = executor.scheduleWithFixedDelay(
                () -> {
                    try {
                        task.run();
                        LeakWatch.drain();
                    } catch (RuntimeException | Error e) {
                        LOG.warn(
                                "hostkit: periodic task '{}' failed; it runs again in {} ms",
                                what,
                                period.toMillis(),
                                e);
                    }
                },
                nanos,
                nanos,
                TimeUnit.NANOSECONDS);
        return new Task(f);
    }

    /** Whether the ticker's thread exists now (for tests: none may be left once everything is closed). */
    public boolean isRunning() {
        return executor.getPoolSize() > 0;
    }

    /** One scheduled task; closing it cancels future runs. Idempotent. */
    public static final class Task implements AutoCloseable {
        private final ScheduledFuture<?> future;

        private Task(ScheduledFuture<?> future) {
            this.future = future;
        }

        @Override
        public void close() {
            future.cancel(false);
        }
    }
}
