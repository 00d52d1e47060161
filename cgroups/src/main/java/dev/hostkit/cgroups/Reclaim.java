package dev.hostkit.cgroups;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Frees dying memory cgroups by reclaiming the memory that pins them: plans from a census without writing
 * ({@link #plan}), then writes step by step, each in a time box ({@link #execute}), and reports before and after.
 *
 * <p>v2 (5.19+): {@code memory.reclaim} on the cgroups whose {@code cgroup.stat} holds dying children, a bounded
 * amount per step. v1: {@code memory.force_empty} on orphaned pod/container cgroups without tasks, then
 * {@code drop_caches} only when asked (it is host-wide). Removal of orphans only when asked. Never writes to a cgroup
 * that has tasks (re-checked right before each write) nor outside the memory hierarchy; every write is logged
 * (slf4j, logger {@code dev.hostkit.cgroups.Reclaim}).
 */
public final class Reclaim {
    private Reclaim() {}

    /** What {@code /proc/sys/vm/drop_caches} is asked to drop, if anything. */
    public enum DropCaches {
        /** Do not touch drop_caches. */
        NONE(0),
        /** Write 1: clean page cache. */
        PAGE_CACHE(1),
        /** Write 3: clean page cache and reclaimable slab (dentries, inodes). */
        PAGE_CACHE_AND_SLAB(3);

        private final int value;

        DropCaches(int value) {
            this.value = value;
        }

        /** The value written to drop_caches (0 for none). */
        public int value() {
            return value;
        }
    }

    /**
     * How to plan and execute a reclaim.
     *
     * @param dropCaches whether to write drop_caches as the last step (host-wide: only when the operator asks)
     * @param removeOrphans whether to remove orphaned cgroups (after emptying them) rather than leave them in place
     * @param reclaimBytesPerStep how much one {@code memory.reclaim} write asks for (v2)
     * @param maxReclaimTargets at most this many {@code memory.reclaim} targets (v2), the most dying first
     * @param stepTimeout the time box of one write; a write that does not return in it is abandoned and reported
     * @param settleTimeout how long to wait after the last step for the dying count to stop falling (freeing is asynchronous)
     */
    public record Options(
            DropCaches dropCaches,
            boolean removeOrphans,
            long reclaimBytesPerStep,
            int maxReclaimTargets,
            Duration stepTimeout,
            Duration settleTimeout) {
        /** No drop_caches, no removal, 256 MiB per memory.reclaim write, 100 targets, 10 s per step, 5 s to settle. */
        public static final Options DEFAULT =
                new Options(DropCaches.NONE, false, 256L << 20, 100, Duration.ofSeconds(10), Duration.ofSeconds(5));

        /** Rejects missing or out-of-range values before anything is planned. */
        public Options {
            if (dropCaches == null || stepTimeout == null || settleTimeout == null) {
                throw new IllegalArgumentException("reclaim options need dropCaches, stepTimeout and settleTimeout");
            }
            if (reclaimBytesPerStep < 4096
                    || maxReclaimTargets < 0
                    || stepTimeout.isNegative()
                    || stepTimeout.isZero()
                    || settleTimeout.isNegative()) {
                throw new IllegalArgumentException("reclaim options out of range: reclaimBytesPerStep "
                        + reclaimBytesPerStep
                        + " (>= 4096), maxReclaimTargets " + maxReclaimTargets + " (>= 0), stepTimeout " + stepTimeout
                        + " (> 0), settleTimeout " + settleTimeout + " (>= 0)");
            }
        }

        /** These options with drop_caches set. */
        public Options withDropCaches(DropCaches d) {
            return new Options(d, removeOrphans, reclaimBytesPerStep, maxReclaimTargets, stepTimeout, settleTimeout);
        }

        /** These options removing orphans, or not. */
        public Options withRemoveOrphans(boolean remove) {
            return new Options(dropCaches, remove, reclaimBytesPerStep, maxReclaimTargets, stepTimeout, settleTimeout);
        }

        /** These options asking {@code memory.reclaim} for {@code bytes} per write. */
        public Options withReclaimBytesPerStep(long bytes) {
            return new Options(dropCaches, removeOrphans, bytes, maxReclaimTargets, stepTimeout, settleTimeout);
        }

        /** These options with another time box per write. */
        public Options withStepTimeout(Duration d) {
            return new Options(dropCaches, removeOrphans, reclaimBytesPerStep, maxReclaimTargets, d, settleTimeout);
        }

        /** These options waiting up to {@code d} for the dying count to settle. */
        public Options withSettleTimeout(Duration d) {
            return new Options(dropCaches, removeOrphans, reclaimBytesPerStep, maxReclaimTargets, stepTimeout, d);
        }
    }

    /**
     * Plans a reclaim, judging orphans against the live pods and containers (every runtime; see
     * {@link #plan(CgroupFs, MemoryCensus, List, Options)} to pass orphans judged otherwise). Writes nothing.
     *
     * @param fs the host's cgroups
     * @param census a census of {@code fs}; a {@link MemoryCensus#full full} one to find orphans
     * @param livePodUids UIDs of the pods that exist, or {@code null}: pods are not judged
     * @param liveContainerIds ids of the containers that exist, or {@code null}: containers are not judged
     * @param options what to do
     * @return the steps, in order, and notes on what is left alone
     * @throws ReclaimException when the census is of another hierarchy than {@code fs}
     */
    public static ReclaimPlan plan(
            CgroupFs fs, MemoryCensus census, Set<String> livePodUids, Set<String> liveContainerIds, Options options) {
        List<OrphanCgroup> orphans = livePodUids == null && liveContainerIds == null
                ? List.of()
                : OrphanCgroup.find(census, livePodUids, liveContainerIds);
        return ReclaimPlanner.plan(fs, census, orphans, livePodUids != null || liveContainerIds != null, options);
    }

    /**
     * Plans a reclaim with orphans the caller found ({@link OrphanCgroup#find(MemoryCensus, Set, Set, Set)} for ids of
     * one runtime). Writes nothing.
     *
     * @param fs the host's cgroups
     * @param census a census of {@code fs}
     * @param orphans orphaned cgroups of that census
     * @param options what to do
     * @return the steps, in order, and notes on what is left alone
     * @throws ReclaimException when the census is of another hierarchy than {@code fs}
     */
    public static ReclaimPlan plan(CgroupFs fs, MemoryCensus census, List<OrphanCgroup> orphans, Options options) {
        return ReclaimPlanner.plan(fs, census, orphans, true, options);
    }

    /**
     * Executes a plan: validates every step first (nothing is written when one is refused), then writes each in
     * its time box on a worker thread, re-checking right before each write that the cgroup has no tasks.
     * A write that outlives its time box is interrupted and abandoned (its daemon thread ends when the kernel
     * returns; see {@link ReclaimReport#workersStillRunning()}); later steps on that cgroup are skipped. When the
     * calling thread is interrupted, the current step is abandoned, the rest are not started, and the interrupt
     * flag is set again on return.
     *
     * @param fs the host's cgroups (the plan's hierarchy)
     * @param plan from {@link #plan}
     * @return what was done, with counts before and after
     * @throws ReclaimException when a step targets something outside the memory hierarchy, or the plan does not fit
     */
    public static ReclaimReport execute(CgroupFs fs, ReclaimPlan plan) {
        return new ReclaimExecutor(fs, plan).run();
    }
}
