package dev.hostkit.cgroups;

import java.util.List;
import java.util.OptionalLong;

/**
 * What {@link Reclaim#execute} did: the counts and memory before and after, and every step with its outcome
 * and duration. Worker threads abandoned after a time box and still blocked in the kernel are named.
 *
 * @param before the host just before the first write
 * @param after the host after the last step, once the dying count settled (or the settle time ran out)
 * @param steps one result per planned step, in plan order
 * @param millis wall time of the whole execution, settling included
 * @param workersStillRunning names of abandoned worker threads still inside a kernel write when execute returned
 */
public record ReclaimReport(
        Snapshot before, Snapshot after, List<StepResult> steps, long millis, List<String> workersStillRunning) {

    /** Copies the lists. */
    public ReclaimReport {
        steps = List.copyOf(steps);
        workersStillRunning = List.copyOf(workersStillRunning);
    }

    /**
     * The host's memory cgroups and reclaimable memory at one moment.
     *
     * @param live memory cgroups in the hierarchy
     * @param dying removed memory cgroups not yet freed (as {@link MemoryCensus#dying()})
     * @param procCgroupsCount {@code num_cgroups} of the memory row of /proc/cgroups (v1 only)
     * @param pageCacheBytes {@code Cached} of /proc/meminfo
     * @param slabReclaimableBytes {@code SReclaimable} of /proc/meminfo
     */
    public record Snapshot(
            long live,
            long dying,
            OptionalLong procCgroupsCount,
            OptionalLong pageCacheBytes,
            OptionalLong slabReclaimableBytes) {}

    /**
     * One executed (or skipped) step.
     *
     * @param step the planned step
     * @param outcome what happened
     * @param millis how long the write took (0 when it was not attempted)
     * @param detail what happened, in words (the errno, the tasks found, the time box)
     * @param usageBefore the target's usage just before the write (cgroup steps)
     * @param usageAfter the target's usage just after the write (cgroup steps that left it in place)
     */
    public record StepResult(
            ReclaimStep step,
            Outcome outcome,
            long millis,
            String detail,
            OptionalLong usageBefore,
            OptionalLong usageAfter) {}

    /** How a step ended. */
    public enum Outcome {
        /** Written; the kernel did all it was asked. */
        DONE,
        /** Written; the kernel did part of it ({@code memory.reclaim}: EAGAIN; force_empty left charges). */
        PARTIAL,
        /** Not written: the cgroup has tasks now (re-checked right before the write). */
        REFUSED,
        /** Not written: the cgroup is gone, or an earlier step on it did not finish. */
        SKIPPED,
        /** The write did not return within the step's time box; its worker was interrupted and abandoned. */
        TIMED_OUT,
        /** The caller's thread was interrupted: this step and the rest were not finished. */
        INTERRUPTED,
        /** The kernel refused the write (errno in the detail). */
        FAILED
    }

    /** The results with a given outcome. */
    public List<StepResult> steps(Outcome outcome) {
        return steps.stream().filter(s -> s.outcome() == outcome).toList();
    }
}
