package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.MemcgFiles;

import java.util.Locale;

/**
 * One write a reclaim plan will make: what, on which cgroup (or the host), how much, and why.
 * A value: {@link Reclaim#execute} validates it again before anything is written.
 *
 * @param action what the step does
 * @param target the cgroup's path in the memory hierarchy ({@code /kubepods/pod...}), or
 *               {@link #DROP_CACHES_TARGET} for {@link Action#DROP_CACHES}
 * @param amount bytes for {@link Action#MEMORY_RECLAIM}, the value written (1 or 3) for {@link Action#DROP_CACHES}, else 0
 * @param why the reason for the step, in words
 */
public record ReclaimStep(Action action, String target, long amount, String why) {
    /** The target of a {@link Action#DROP_CACHES} step: the host, not a cgroup. */
    public static final String DROP_CACHES_TARGET = "/proc/" + MemcgFiles.PROC_DROP_CACHES;

    /** Rejects a missing action or target. */
    public ReclaimStep {
        if (action == null || target == null || target.isEmpty()) {
            throw new IllegalArgumentException(
                    "a reclaim step needs an action and a target, got " + action + " on '" + target + "'");
        }
        why = why == null ? "" : why;
    }

    /** What a step writes. */
    public enum Action {
        /** v2 (5.19+): write a byte count to the cgroup's {@code memory.reclaim}; reclaims its whole subtree, dying descendants included. */
        MEMORY_RECLAIM(MemcgFiles.MEMORY_RECLAIM),
        /** v1: write 0 to {@code memory.force_empty} of a cgroup without tasks; empties it so that removal frees it at once. */
        FORCE_EMPTY(MemcgFiles.FORCE_EMPTY),
        /** Remove the (empty, task-less) cgroup directory. */
        REMOVE("rmdir"),
        /** sync(2), then write 1 (page cache) or 3 (page cache and slab) to {@code /proc/sys/vm/drop_caches}: host-wide. */
        DROP_CACHES("/proc/" + MemcgFiles.PROC_DROP_CACHES);

        private final String file;

        Action(String file) {
            this.file = file;
        }

        /** The kernel file written ({@code memory.reclaim}, {@code /proc/sys/vm/drop_caches}, ...) or {@code rmdir}. */
        public String file() {
            return file;
        }

        /** {@code memory_reclaim}, {@code force_empty}, {@code remove}, {@code drop_caches}: the name in JSON and logs. */
        public String label() {
            return this == FORCE_EMPTY ? "force_empty" : name().toLowerCase(Locale.ROOT);
        }
    }

    @Override
    public String toString() {
        return action.label() + " " + target + (amount != 0 ? " (" + amount + ")" : "")
                + (why.isEmpty() ? "" : ": " + why);
    }
}
