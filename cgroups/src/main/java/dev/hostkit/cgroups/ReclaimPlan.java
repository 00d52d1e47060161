package dev.hostkit.cgroups;

import java.util.List;

/**
 * What {@link Reclaim#execute} would write, in order, and what it leaves alone and why: the dry run.
 * Made by {@link Reclaim#plan} from a census without writing anything; immutable.
 *
 * @param memoryV2 true when the steps are for the unified (v2) memory hierarchy
 * @param dyingBefore dying memory cgroups the census counted
 * @param steps the writes, in the order they will be made
 * @param notes what was not planned and why (an orphan with tasks, a kernel without {@code memory.reclaim}, ...)
 * @param options the options the plan was made with (execute uses their time boxes)
 */
public record ReclaimPlan(
        boolean memoryV2, long dyingBefore, List<ReclaimStep> steps, List<String> notes, Reclaim.Options options) {

    /** Copies the lists so the plan stays immutable. */
    public ReclaimPlan {
        steps = List.copyOf(steps);
        notes = List.copyOf(notes);
        if (options == null) {
            throw new IllegalArgumentException("a reclaim plan needs its options");
        }
    }

    /** True when there is nothing to write. */
    public boolean isEmpty() {
        return steps.isEmpty();
    }
}
