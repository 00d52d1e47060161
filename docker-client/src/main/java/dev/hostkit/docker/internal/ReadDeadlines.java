package dev.hostkit.docker.internal;

import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Read timeouts for blocking JDK unix channels, which have none of their own: one daemon thread
 * for the process shuts down the input of a channel whose read outlived its deadline, so the
 * blocked read returns at once. Entries exist only while a read is in flight; the thread exits
 * when none has been for a second.
 */
final class ReadDeadlines {
    private static final ReadDeadlines INSTANCE = new ReadDeadlines();
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final DelayQueue<Deadline> queue = new DelayQueue<>();
    private Thread thread;

    static ReadDeadlines get() {
        return INSTANCE;
    }

    /** Arms a deadline; the caller must {@link Deadline#disarm()} it after the read. */
    Deadline arm(Runnable onExpiry, long millis) {
        Deadline d = new Deadline(onExpiry, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
        queue.add(d);
        synchronized (this) {
            if (thread == null) {
                thread = new Thread(this::loop, "hostkit-docker-read-timeouts");
                thread.setDaemon(true);
                thread.start();
            }
        }
        return d;
    }

    private void loop() {
        while (true) {
            Deadline d;
            try {
                d = queue.poll(LINGER_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                synchronized (this) {
                    thread = null;
                }
                return;
            }
            if (d != null) {
                if (d.state.compareAndSet(Deadline.ARMED, Deadline.FIRED)) {
                    d.onExpiry.run();
                }
                continue;
            }
            synchronized (this) {
                if (queue.isEmpty()) {
                    thread = null;
                    return;
                }
            }
        }
    }

    /** One read's deadline. */
    final class Deadline implements Delayed {
        static final int ARMED = 0;
        static final int FIRED = 1;
        static final int DONE = 2;

        private final Runnable onExpiry;
        private final long at;
        private final AtomicInteger state = new AtomicInteger(ARMED);

        private Deadline(Runnable onExpiry, long at) {
            this.onExpiry = onExpiry;
            this.at = at;
        }

        /** Ends the deadline; false when it already fired (the read must then count as timed out). */
        boolean disarm() {
            boolean inTime = state.compareAndSet(ARMED, DONE);
            if (inTime) {
                queue.remove(this);
            }
            return inTime;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(at - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(at, ((Deadline) o).at);
        }
    }
}
