package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The namespaces the guardian looked into and found nothing to guard in, so that the periodic pass does not open
 * them again while nothing suggests they changed. A namespace is looked into again when the host's links changed
 * after its last look (a macvlan made on a host parent, even directly inside another namespace, changes the
 * parent's upper devices, and the kernel tells the parent's namespace: {@code RTM_NEWLINK} on the parent), when
 * {@link #RECHECK} has passed since (the bound, should an event be missed), or when an identity disappears from a
 * look and comes back (an inode reused after a pass without it is a new namespace). Only "nothing to guard" is
 * remembered, never "gone": forgetting rests on the look, not on this table.
 */
final class NamespaceCensus {
    /**
     * The longest a namespace judged empty goes without another look. The guardian's delay in finding a macvlan made
     * in a namespace it has already looked into is one resync period after the host's event on the macvlan's parent,
     * and at most this (plus one resync period) should no such event come. Each entry's deadline is spread over
     * 75..125% of it, so that namespaces first seen together are not all opened again in the same pass.
     *
     * <p>Five minutes, as for a settled guarded namespace ({@code Reconciler.SETTLED_MAX_AGE}): the host's event is
     * what finds a new child, and events the kernel dropped are noticed (ENOBUFS) and make every namespace due
     * again. Creating a macvlan or ipvlan on a host parent, in any namespace, tells the host ({@code RTM_NEWLINK} on
     * the parent, whose upper devices changed), and so does moving one out of the host. What only this bound finds:
     * a macvlan moved from one other namespace into an empty one (no host event), up to 6.25 minutes later instead of
     * 1.25. The price of a shorter bound is one open, {@code setns} hop and link dump per namespace with nothing to
     * guard per period: with 100 such namespaces (pods without a macvlan) the idle loop thread spent 95 ms a minute
     * at 60 s, against 40 ms between rechecks (benchmarks/results/guard-footprint.md, session 7).
     */
    static final Duration RECHECK = Duration.ofMinutes(5);

    private record Judged(long generation, long deadline) {}

    private final Map<NsId, Judged> judged = new ConcurrentHashMap<>();
    private final AtomicLong hostGeneration = new AtomicLong();

    /** The host links' generation: read before a look, handed to {@link #judgedEmpty}. */
    long generation() {
        return hostGeneration.get();
    }

    /** The host's links changed (or events about them were lost): every namespace judged empty is due again. */
    void hostLinksChanged() {
        hostGeneration.incrementAndGet();
    }

    /** A look that began at {@code generation} found nothing to guard in {@code id}. */
    void judgedEmpty(NsId id, long generation) {
        long spread = RECHECK.toNanos() / 4 + ThreadLocalRandom.current().nextLong(RECHECK.toNanos() / 2 + 1);
        judged.put(id, new Judged(generation, System.nanoTime() + RECHECK.toNanos() / 2 + spread));
    }

    /** Whether {@code id} should be looked into at a pass starting at {@code now}. */
    boolean due(NsId id, long now) {
        Judged j = judged.get(id);
        return j == null || j.generation != hostGeneration.get() || now - j.deadline >= 0;
    }

    /** Forgets every identity a complete look did not find (only found identities are kept). */
    void retainOnly(Set<NsId> found) {
        judged.keySet().retainAll(found);
    }

    /** Forgets {@code id} (it is guarded now, or a look into it failed). */
    void forget(NsId id) {
        judged.remove(id);
    }

    /** How many namespaces are remembered as having nothing to guard (for tests). */
    int size() {
        return judged.size();
    }
}
