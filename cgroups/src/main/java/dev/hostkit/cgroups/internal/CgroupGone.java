package dev.hostkit.cgroups.internal;

import java.nio.file.Path;

/**
 * Signals inside the readers that a cgroup directory disappeared while it was read (rmdir raced us).
 * Never escapes the public API: callers skip the cgroup.
 */
public final class CgroupGone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param dir the cgroup directory that is gone */
    public CgroupGone(Path dir) {
        super(dir + " was removed while it was read", null, false, false);
    }
}
