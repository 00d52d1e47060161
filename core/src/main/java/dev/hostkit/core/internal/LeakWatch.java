package dev.hostkit.core.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Watches fd-holding objects (namespaces, netlink sockets) for being dropped without {@code close()}:
 * such an object's fds are closed and one warning names where it was opened. It needs no thread of
 * its own: the queue of collected objects is drained each time a new object is watched, so code that
 * leaks one per poll (the pattern of the Docker incident) has the previous leaks released on its next
 * poll, and fds stay bounded by what is reachable.
 */
public final class LeakWatch {
    private static final Logger LOG = LoggerFactory.getLogger(LeakWatch.class);
    // Enough frames to see the caller of the library, few enough to stay cheap (about a microsecond).
    private static final int SITE_FRAMES = 10;
    private static final StackWalker WALKER = StackWalker.getInstance();

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    private static final Set<Watch> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicLong REPORTED = new AtomicLong();

    private LeakWatch() {
    }

    /**
     * Starts watching {@code owner}. {@code release} runs once if the owner becomes unreachable before
     * {@link Watch#closed()}; it must not reference the owner (or the owner is never collected).
     *
     * @param what what the owner is, for the warning ("network namespace /proc/42/ns/net")
     */
    public static Watch watch(Object owner, String what, Runnable release) {
        drain();
        Watch w = new Watch(owner, what, openedAt(), release);
        LIVE.add(w);
        return w;
    }

    /** Releases and reports everything already collected without close(); returns how many. */
    public static int drain() {
        int n = 0;
        for (Reference<?> r = QUEUE.poll(); r != null; r = QUEUE.poll()) {
            if (r instanceof Watch w && LIVE.remove(w)) {
                n++;
                REPORTED.incrementAndGet();
                try {
                    w.release.run();
                } catch (RuntimeException e) {
                    LOG.warn("hostkit: releasing a leaked {} failed", w.what, e);
                }
                LOG.warn("hostkit: {} was never closed; its fds are now closed. Opened at:\n\t{}", w.what,
                        w.openedAt.stream().map(Object::toString).collect(Collectors.joining("\n\t")));
            }
        }
        return n;
    }

    /** How many leaked objects were released since the JVM started (for tests and metrics). */
    public static long leaksReported() {
        return REPORTED.get();
    }

    // Frames are kept as they are and only turned into text for a warning.
    private static List<StackWalker.StackFrame> openedAt() {
        return WALKER.walk(s -> s.skip(2).limit(SITE_FRAMES).collect(Collectors.toList()));
    }

    /** One watched object; call {@link #closed()} from its {@code close()}. */
    public static final class Watch extends PhantomReference<Object> {
        private final String what;
        private final List<StackWalker.StackFrame> openedAt;
        private final Runnable release;

        private Watch(Object owner, String what, List<StackWalker.StackFrame> openedAt, Runnable release) {
            super(owner, QUEUE);
            this.what = what;
            this.openedAt = openedAt;
            this.release = release;
        }

        /** The owner was closed by its user: stop watching. Idempotent. */
        public void closed() {
            LIVE.remove(this);
            clear();
        }
    }
}
