package dev.hostkit.core.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Watches fd-holding objects (namespaces, netlink sockets, Docker clients and streams) for being dropped without
 * {@code close()}: such an object's resources are released and one warning per place names where it was opened. It
 * needs no thread of its own: the queue of collected objects is drained each time a new object is watched (and on
 * each {@link Ticker} run), so code that leaks one per poll (the pattern of the Docker incident) has the previous
 * leaks released on its next poll, and fds stay bounded by what is reachable.
 */
public final class LeakWatch {
    private static final Logger LOG = LoggerFactory.getLogger(LeakWatch.class);
    // Enough frames to see the caller of the library, few enough to stay cheap (about a microsecond).
    private static final int SITE_FRAMES = 10;
    private static final StackWalker WALKER = StackWalker.getInstance();

    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    private static final Set<Watch> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicLong REPORTED = new AtomicLong();
    // Warn once per place that leaks (a per-poll leak would otherwise flood the log); bounded.
    private static final Set<String> WARNED_SITES = ConcurrentHashMap.newKeySet();
    private static final int MAX_WARNED_SITES = 1_000;

    private LeakWatch() {}

    /**
     * Starts watching {@code owner}. {@code release} runs once if the owner becomes unreachable before
     * {@link Watch#closed()}; it must not reference the owner (or the owner is never collected).
     *
     * @param what what the owner is, for the warning ("network namespace /proc/42/ns/net")
     */
    public static Watch watch(Object owner, String what, Runnable release) {
        return watch(owner, what, "", c -> false, release);
    }

    /**
     * Starts watching {@code owner}, naming as its place of opening the first frame outside the library.
     *
     * @param what what the owner is ("DockerClient for /run/docker.sock")
     * @param advice what the user should do instead, ending the warning ("" for none)
     * @param libraryClass true for the class names of the library's own frames, skipped to find the user's frame
     * @param release runs once if the owner is collected before {@link Watch#closed()}; must not reference the owner
     */
    public static Watch watch(
            Object owner, String what, String advice, Predicate<String> libraryClass, Runnable release) {
        drain();
        Watch w = new Watch(owner, what, advice, openedAt(libraryClass), release);
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
                String frames = Arrays.stream(w.openedAt).map(Frame::toString).collect(Collectors.joining("\n\t"));
                if (WARNED_SITES.size() < MAX_WARNED_SITES && WARNED_SITES.add(w.what + "\n" + frames)) {
                    LOG.warn(
                            "hostkit: {} was never closed; its fds are now closed.{} Opened at (reported once per place):\n\t{}",
                            w.what,
                            w.advice.isEmpty() ? "" : " " + w.advice,
                            frames);
                }
            }
        }
        return n;
    }

    /** How many leaked objects were released since the JVM started (for tests and metrics). */
    public static long leaksReported() {
        return REPORTED.get();
    }

    // Kept for as long as the owner lives (a guardian's sockets and namespaces: months), so small: the walker's
    // StackFrames hold a MemberName each, 80 bytes a frame against 32 here, whose strings the JVM shares (class
    // names cached, method and file names interned); 0.2 MB at 100 guarded namespaces (guard-footprint.md, session 8).
    private static Frame[] openedAt(Predicate<String> libraryClass) {
        return WALKER.walk(s -> s.dropWhile(f -> f.getClassName().equals(LeakWatch.class.getName()))
                .dropWhile(f -> libraryClass.test(f.getClassName()))
                .limit(SITE_FRAMES)
                .map(f -> new Frame(f.getClassName(), f.getMethodName(), f.getFileName(), f.getLineNumber()))
                .toArray(Frame[]::new));
    }

    // Prints as class.method(File.java:line), without the module prefix StackTraceElement adds on the module path.
    private record Frame(String className, String method, String file, int line) {
        @Override
        public String toString() {
            return className + "." + method + "(" + file + ":" + line + ")";
        }
    }

    /** One watched object; call {@link #closed()} from its {@code close()}. */
    public static final class Watch extends PhantomReference<Object> {
        private final String what;
        private final String advice;
        private final Frame[] openedAt;
        private final Runnable release;

        private Watch(Object owner, String what, String advice, Frame[] openedAt, Runnable release) {
            super(owner, QUEUE);
            this.what = what;
            this.advice = advice;
            this.openedAt = openedAt;
            this.release = release;
        }

        /** Where the owner was opened: the first frame outside the library, as {@code class.method(File.java:line)}. */
        public String site() {
            return openedAt.length == 0 ? "unknown" : openedAt[0].toString();
        }

        /** The owner was closed by its user: stop watching. Idempotent. */
        public void closed() {
            LIVE.remove(this);
            clear();
        }
    }
}
