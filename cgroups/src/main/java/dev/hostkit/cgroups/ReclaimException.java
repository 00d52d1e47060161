package dev.hostkit.cgroups;

import java.nio.file.Path;

/**
 * A reclaim plan refused before anything was written: a target outside the memory hierarchy (after
 * normalising the path and resolving symlinks), a value the kernel file does not take, or a plan for another hierarchy.
 */
public final class ReclaimException extends CgroupException {
    private static final long serialVersionUID = 1L;

    private final transient ReclaimStep step;

    /**
     * @param file the file or directory the step would have written
     * @param step the refused step, or {@code null} when the whole plan is refused
     * @param why why it is refused, in words
     */
    public ReclaimException(Path file, ReclaimStep step, String why) {
        super(
                file,
                null,
                (step == null ? "" : step.action().label() + " refused: ") + why + "; nothing was changed",
                null);
        this.step = step;
    }

    /** The refused step, or {@code null} when the whole plan is refused. */
    public ReclaimStep step() {
        return step;
    }
}
