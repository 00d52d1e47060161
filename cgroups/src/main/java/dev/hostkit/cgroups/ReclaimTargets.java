package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.MemcgFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Turns a plan's step into the file or directory it writes, refusing (before anything is written) a target outside
 * the memory hierarchy: not a normalised path below its root, or one that resolves elsewhere through a symlink.
 */
final class ReclaimTargets {
    private final CgroupFs fs;
    private final boolean memoryV2;
    private final Path root;
    private final Path realRoot;

    ReclaimTargets(CgroupFs fs, boolean memoryV2, Path root, Path realRoot) {
        this.fs = fs;
        this.memoryV2 = memoryV2;
        this.root = root;
        this.realRoot = realRoot;
    }

    /** The file or directory a step will write, or a refusal before anything is written. */
    Path resolve(ReclaimStep step) {
        switch (step.action()) {
            case DROP_CACHES -> {
                Path file = fs.proc().proc().resolve(MemcgFiles.PROC_DROP_CACHES);
                if (!step.target().equals(ReclaimStep.DROP_CACHES_TARGET)) {
                    throw new ReclaimException(
                            file,
                            step,
                            "its target must be " + ReclaimStep.DROP_CACHES_TARGET + ", not '" + step.target() + "'");
                }
                if (step.amount() < 1 || step.amount() > 3) {
                    throw new ReclaimException(file, step, "drop_caches takes 1, 2 or 3, not " + step.amount());
                }
                if (!Files.exists(file)) {
                    throw new ReclaimException(file, step, "the file does not exist");
                }
                return file;
            }
            case MEMORY_RECLAIM -> {
                if (!memoryV2) {
                    throw new ReclaimException(
                            root.resolve(MemcgFiles.MEMORY_RECLAIM),
                            step,
                            "memory.reclaim is a cgroup v2 file and this is the v1 hierarchy");
                }
                if (step.amount() <= 0) {
                    throw new ReclaimException(
                            root.resolve(MemcgFiles.MEMORY_RECLAIM),
                            step,
                            "memory.reclaim needs a positive byte count, not " + step.amount());
                }
            }
            case FORCE_EMPTY -> {
                if (memoryV2) {
                    throw new ReclaimException(
                            root.resolve(MemcgFiles.FORCE_EMPTY),
                            step,
                            "memory.force_empty is a cgroup v1 file and this is the v2 hierarchy");
                }
            }
            case REMOVE -> {}
        }
        return cgroupDir(step);
    }

    // A cgroup target: an absolute, normalised path below the root whose real path is the same path below the real
    // root.
    private Path cgroupDir(ReclaimStep step) {
        String t = step.target();
        if (!t.startsWith("/") || t.equals("/")) {
            throw new ReclaimException(
                    root,
                    step,
                    "'" + t + "' is not a cgroup below the root of the memory hierarchy "
                            + "(the root itself is never a target)");
        }
        String relative = t.substring(1);
        for (String part : relative.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new ReclaimException(
                        root,
                        step,
                        "'" + t + "' is not a normalised cgroup path (empty, '.' or '..' "
                                + "component): it could leave the memory hierarchy");
            }
        }
        Path dir = root.resolve(relative);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(dir)) {
            return dir; // gone since the plan (or a missing parent): skipped when its turn comes
        }
        Path real;
        try {
            real = dir.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ReclaimException(dir, step, "it is a symlink to nothing, not a cgroup");
        } catch (IOException e) {
            throw new ReclaimException(dir, step, "it cannot be resolved: " + e.getMessage());
        }
        if (!real.equals(realRoot.resolve(relative))) {
            throw new ReclaimException(
                    dir,
                    step,
                    "it resolves to " + real + " (through a symlink), not to a cgroup of the " + "memory hierarchy at "
                            + realRoot);
        }
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)
                || !Files.exists(real.resolve(MemcgFiles.CGROUP_PROCS))) {
            throw new ReclaimException(dir, step, "it is not a cgroup directory (no " + MemcgFiles.CGROUP_PROCS + ")");
        }
        return real;
    }
}
