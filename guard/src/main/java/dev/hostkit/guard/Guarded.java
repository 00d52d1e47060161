package dev.hostkit.guard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One namespace under guard: its identity and its interfaces with where each stands. Every read or change of the
 * interfaces, and of {@link #ref}, holds {@link #lock}.
 */
final class Guarded {
    final ReentrantLock lock = new ReentrantLock();
    volatile NamespaceRef ref;
    final Map<String, Tracked> ifaces = new LinkedHashMap<>();
    /**
     * Whether a state file of this namespace has reached the disk (read from one, or written once). A repair waits
     * for the first write before it touches anything: a guardian killed mid-repair must leave the snapshot behind,
     * or the next one would take the half-made link for the truth.
     */
    volatile boolean onDisk;
    /** The look errors of the last look that found this namespace ({@link GoneEvidence}); null before one did. */
    Set<String> errorsWhenSeen;

    Guarded(NamespaceRef ref) {
        this.ref = ref;
    }

    /** One guarded interface: its snapshot and what the last looks found. */
    static final class Tracked {
        InterfaceSnapshot snap;
        boolean missing;
        boolean conflict;
        boolean downSeen;

        Tracked(InterfaceSnapshot snap) {
            this.snap = snap;
        }
    }

    void withLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    /** Whether any interface's snapshot matches, read under the lock. */
    boolean any(Predicate<InterfaceSnapshot> p) {
        lock.lock();
        try {
            for (Tracked t : ifaces.values()) {
                if (p.test(t.snap)) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }
}
