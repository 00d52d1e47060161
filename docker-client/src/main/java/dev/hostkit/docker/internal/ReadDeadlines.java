package dev.hostkit.docker.internal;

import dev.hostkit.core.internal.Ticker;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Read timeouts for blocking JDK unix channels, which have none of their own. A read stores its
 * deadline in its channel's {@link Slot} (two volatile writes, no lock, no thread wake-up); while some JDK
 * channel is open, a task on the process's one {@link Ticker} scans the slots every {@value #TICK_MILLIS} ms and
 * shuts down the input of a channel whose read outlived its deadline, so the blocked read returns at once.
 */
final class ReadDeadlines {
    static final long TICK_MILLIS = 10;
    private static final ReadDeadlines INSTANCE = new ReadDeadlines();

    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private Ticker.Task scan;

    static ReadDeadlines get() {
        return INSTANCE;
    }

    /** A channel's deadline slot; {@link Slot#release()} when the channel closes. */
    Slot register(Runnable onExpiry) {
        Slot s = new Slot(onExpiry);
        synchronized (this) {
            slots.add(s);
            if (scan == null) {
                scan = Ticker.shared()
                        .every(Duration.ofMillis(TICK_MILLIS), "expire Docker read deadlines", this::expire);
            }
        }
        return s;
    }

    private void expire() {
        long now = System.nanoTime();
        for (Slot s : slots) {
            long d = s.deadline.get();
            if (d > 0 && now - d > 0 && s.deadline.compareAndSet(d, Slot.FIRED)) {
                s.onExpiry.run();
            }
        }
    }

    private synchronized void unregister(Slot s) {
        slots.remove(s);
        if (slots.isEmpty() && scan != null) {
            scan.close();
            scan = null;
        }
    }

    /** The deadline of the one read in flight on a channel (0: none). */
    final class Slot {
        static final long NONE = 0;
        static final long FIRED = -1;

        private final Runnable onExpiry;
        private final AtomicLong deadline = new AtomicLong(NONE);

        private Slot(Runnable onExpiry) {
            this.onExpiry = onExpiry;
        }

        /** Starts a read that must finish within {@code millis}; returns the token for {@link #end}. */
        long start(long millis) {
            long d = System.nanoTime() + millis * 1_000_000L;
            if (d == NONE || d == FIRED) {
                d++;
            }
            deadline.set(d);
            return d;
        }

        /** Ends the read; false when its deadline fired (the read must then count as timed out). */
        boolean end(long token) {
            return deadline.compareAndSet(token, NONE);
        }

        /**
         * The channel closed: stop watching it. The deadline itself is left as it is, so an {@link #end}
         * after the close still tells whether it fired (HttpClient closes a connection on any I/O error).
         */
        void release() {
            unregister(this);
        }
    }
}
