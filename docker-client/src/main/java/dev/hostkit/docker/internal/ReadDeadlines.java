package dev.hostkit.docker.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Read timeouts for blocking JDK unix channels, which have none of their own. A read stores its
 * deadline in its channel's {@link Slot} (two volatile writes, no lock, no thread wake-up); one daemon
 * thread for the process scans the slots every {@value #TICK_MILLIS} ms and shuts down the input of a
 * channel whose read outlived its deadline, so the blocked read returns at once. The thread runs only
 * while some JDK channel is open and exits a second after the last one closed.
 */
final class ReadDeadlines {
    static final long TICK_MILLIS = 10;
    private static final long LINGER_NANOS = 1_000_000_000L;
    private static final ReadDeadlines INSTANCE = new ReadDeadlines();

    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private Thread thread;

    static ReadDeadlines get() {
        return INSTANCE;
    }

    /** A channel's deadline slot; {@link #release()} when the channel closes. */
    Slot register(Runnable onExpiry) {
        Slot s = new Slot(onExpiry);
        slots.add(s);
        synchronized (this) {
            if (thread == null) {
                thread = new Thread(this::loop, "hostkit-docker-read-timeouts");
                thread.setDaemon(true);
                thread.start();
            }
        }
        return s;
    }

    private void loop() {
        long emptySince = -1;
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                synchronized (this) {
                    thread = null;
                }
                return;
            }
            long now = System.nanoTime();
            for (Slot s : slots) {
                long d = s.deadline.get();
                if (d > 0 && now - d > 0 && s.deadline.compareAndSet(d, Slot.FIRED)) {
                    s.onExpiry.run();
                }
            }
            if (!slots.isEmpty()) {
                emptySince = -1;
            } else if (emptySince < 0) {
                emptySince = now;
            } else if (now - emptySince > LINGER_NANOS) {
                synchronized (this) {
                    if (slots.isEmpty()) {
                        thread = null;
                        return;
                    }
                }
            }
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
            slots.remove(this);
        }
    }
}
