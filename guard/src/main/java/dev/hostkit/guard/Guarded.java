package dev.hostkit.guard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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
    /**
     * The session inside the namespace: opened (and its identity verified) at the first look, reused by every later
     * look and repair, closed when the namespace is dropped or refused, or after a look through it failed (the next
     * look opens it again by path). Null until then. Its fd pins the namespace: the inode stays this namespace's.
     */
    GuardNet.Ns session;
    /** Changes heard since the start: the namespace's own events and host events about its parents. */
    final AtomicLong changes = new AtomicLong();
    /** {@link #changes} when the last settled look began; -1 when the last look did not settle everything. */
    long changesAtSettledLook = -1;
    /** When ({@link System#nanoTime()}) the last settled look began. */
    long settledAt;

    Guarded(NamespaceRef ref) {
        this.ref = ref;
    }

    /** One guarded interface: its snapshot and what the last looks found. */
    static final class Tracked {
        InterfaceSnapshot snap;
        boolean missing;
        /** Missing with its parent gone (set by the verdict, cleared by a repair attempt or its return). */
        boolean waitingForParent;

        boolean conflict;
        boolean downSeen;
        /** Repairs failed in a row under {@link #failedParentIndex}; 0 after a success. */
        int failures;
        /** The parent's index when the last repair failed. */
        int failedParentIndex;
        /** {@link System#nanoTime()} before which a failed repair is not tried again under the same parent. */
        long retryAt;

        Tracked(InterfaceSnapshot snap) {
            this.snap = snap;
        }
    }

    /** A look (or anything heard since) left this namespace needing another look. */
    void unsettle() {
        changes.incrementAndGet();
    }

    /**
     * Whether the periodic pass may skip this namespace: its last look found every interface present and nothing was
     * heard since (while {@code watching}: a namespace whose events are not heard is always looked at), and that look
     * is younger than {@code maxAge}. Holds {@link #lock}.
     */
    boolean settled(boolean watching, long now, long maxAgeNanos) {
        return watching
                && session != null
                && changesAtSettledLook >= 0
                && changesAtSettledLook == changes.get()
                && now - settledAt < maxAgeNanos;
    }

    /** Closes the session (the namespace was dropped, or a look through it failed). Holds {@link #lock}. */
    void closeSession() {
        GuardNet.Ns s = session;
        session = null;
        if (s != null) {
            s.close();
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
