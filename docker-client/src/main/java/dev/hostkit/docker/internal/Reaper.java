package dev.hostkit.docker.internal;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One daemon thread for the whole process that (a) closes what an unreachable client or stream left
 * open and (b) runs each live client's idle-connection eviction once per tick. It holds the owners
 * only through phantom references, so it never keeps a client alive, and it exits on its own once
 * nothing is registered (no thread is left behind after the last client is closed).
 */
public final class Reaper {
    /** How often idle connections are evicted; also how quickly a collected owner is cleaned up. */
    public static final long TICK_MILLIS = 250;
    private static final long LINGER_MILLIS = 1_000;
    private static final Reaper INSTANCE = new Reaper();

    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final Set<Registration> live = ConcurrentHashMap.newKeySet();
    private Thread thread;

    private Reaper() {
    }

    /** The process-wide reaper. */
    public static Reaper get() {
        return INSTANCE;
    }

    /**
     * Watches {@code owner}: when it becomes unreachable without {@link Registration#unregister()},
     * {@code onLeak} runs once on the reaper thread. {@code periodic} (may be null) runs every tick
     * while registered. Neither may reference {@code owner}.
     */
    public Registration register(Object owner, Runnable onLeak, Runnable periodic) {
        Registration r = new Registration(owner, queue, onLeak, periodic);
        live.add(r);
        synchronized (this) {
            if (thread == null) {
                thread = new Thread(this::loop, "hostkit-docker-reaper");
                thread.setDaemon(true);
                thread.start();
            }
        }
        return r;
    }

    /** Whether the reaper thread is running (for tests). */
    public synchronized boolean isRunning() {
        return thread != null;
    }

    private void loop() {
        long emptySince = -1;
        while (true) {
            try {
                Reference<?> ref = queue.remove(TICK_MILLIS);
                while (ref != null) {
                    if (ref instanceof Registration r && live.remove(r)) {
                        runQuietly(r.onLeak);
                    }
                    ref = queue.poll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (Registration r : live) {
                if (r.periodic != null) {
                    runQuietly(r.periodic);
                }
            }
            if (!live.isEmpty()) {
                emptySince = -1;
                continue;
            }
            long now = System.nanoTime();
            if (emptySince < 0) {
                emptySince = now;
            } else if (now - emptySince > LINGER_MILLIS * 1_000_000L) {
                synchronized (this) {
                    if (live.isEmpty()) {
                        thread = null;
                        return;
                    }
                }
            }
        }
    }

    private static void runQuietly(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            // A failing cleanup must not stop the cleanup of everything else.
            org.slf4j.LoggerFactory.getLogger(Reaper.class).warn("hostkit docker cleanup failed", e);
        }
    }

    /** A watched owner; unregister when the owner was closed properly. */
    public final class Registration extends PhantomReference<Object> {
        private final Runnable onLeak;
        private final Runnable periodic;

        private Registration(Object owner, ReferenceQueue<Object> q, Runnable onLeak, Runnable periodic) {
            super(owner, q);
            this.onLeak = onLeak;
            this.periodic = periodic;
        }

        /** Stops watching: the owner was closed by its user. */
        public void unregister() {
            live.remove(this);
            clear();
        }
    }
}
