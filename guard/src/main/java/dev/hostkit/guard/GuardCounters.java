package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The guardian's counters since start, and the look errors: each counted by reason, and logged once per namespace
 * per distinct error (a look that keeps failing the same way every pass is said once, not every pass).
 */
final class GuardCounters {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);

    final AtomicLong repairsOk = new AtomicLong();
    final AtomicLong repairsFailed = new AtomicLong();
    final AtomicLong conflicts = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong lost = new AtomicLong();
    final AtomicLong stateFileErrors = new AtomicLong();
    /** Bursts of a namespace's events not looked at because they only echoed its snapshots ({@link Echoes}). */
    final AtomicLong echoesNotLookedAt = new AtomicLong();

    volatile double lastRepairMillis;
    private final Map<String, AtomicLong> lookErrors = new ConcurrentHashMap<>();
    // "namespace|reason" already logged; a namespace's entries go when a look at it succeeds again.
    private final Set<String> lookErrorsSaid = ConcurrentHashMap.newKeySet();

    /**
     * Counts a failed look and logs it unless this namespace already failed this way.
     *
     * @param where the namespace looked at
     * @param reason a short, stable reason (an errno name, or what failed): the metric's label
     * @param detail the full message
     */
    void lookFailed(NamespaceRef where, String reason, String detail) {
        countLookError(reason);
        sayOnce(where, reason, detail);
    }

    /** Counts a failed look by reason. */
    void countLookError(String reason) {
        lookErrors.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
    }

    /** Logs that {@code where} is kept unseen for {@code reason}, once per namespace per distinct reason. */
    void sayOnce(NamespaceRef where, String reason, String detail) {
        if (lookErrorsSaid.add(where.id() + "|" + reason)) {
            log.warn(
                    "guardian: cannot look at {} ({}): {}; its snapshots and state file are kept and it is looked at "
                            + "again next pass",
                    where,
                    reason,
                    detail);
        }
    }

    /** A look at {@code id} succeeded: a later failure is worth saying again. */
    void lookSucceeded(NsId id) {
        if (lookErrorsSaid.isEmpty()) {
            return; // the usual case, at every pass for every namespace: no string built
        }
        String prefix = id + "|";
        lookErrorsSaid.removeIf(k -> k.startsWith(prefix));
    }

    /** The look errors so far, by reason. */
    Map<String, Long> lookErrors() {
        Map<String, Long> out = new TreeMap<>();
        lookErrors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
