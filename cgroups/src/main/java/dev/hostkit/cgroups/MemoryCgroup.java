package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.CgroupGone;
import dev.hostkit.cgroups.internal.KernelFiles;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static dev.hostkit.cgroups.internal.MemcgFiles.*;

/**
 * One memory cgroup directory, v1 or v2, and the tolerant reader of its files.
 * Immutable and cheap; reading never throws for a missing file, and returns empty for a cgroup that vanished.
 */
public final class MemoryCgroup {
    private final Path dir;
    private final String path;
    private final boolean v2;

    MemoryCgroup(Path dir, String path, boolean v2) {
        this.dir = dir;
        this.path = path;
        this.v2 = v2;
    }

    /**
     * A v1 memory cgroup.
     *
     * @param dir its directory
     * @param path its path inside the hierarchy ({@code /} for the root)
     * @return the handle
     */
    public static MemoryCgroup v1(Path dir, String path) {
        return new MemoryCgroup(dir, path, false);
    }

    /**
     * A cgroup of the unified (v2) hierarchy.
     *
     * @param dir its directory
     * @param path its path inside the hierarchy ({@code /} for the root)
     * @return the handle
     */
    public static MemoryCgroup v2(Path dir, String path) {
        return new MemoryCgroup(dir, path, true);
    }

    /** The cgroup's directory. */
    public Path dir() {
        return dir;
    }

    /** The cgroup's path inside its hierarchy, {@code /} for the root. */
    public String path() {
        return path;
    }

    /** True for a cgroup of the unified (v2) hierarchy. */
    public boolean isV2() {
        return v2;
    }

    /**
     * Reads every memory file of this cgroup.
     *
     * @return the values, or empty when the cgroup was removed before or while it was read
     * @throws CgroupException naming the file when one is unreadable (permission denied) or holds garbage
     */
    public Optional<MemoryStats> read() {
        try {
            return Optional.of(v2 ? readV2() : readV1());
        } catch (CgroupGone gone) {
            return Optional.empty();
        }
    }

    private MemoryStatsV1 readV1() {
        Map<String, Long> stat = KernelFiles.readKeyed(dir, STAT);
        Map<String, Long> oom = KernelFiles.readKeyed(dir, OOM_CONTROL);
        OptionalLong hierarchy = KernelFiles.readLong(dir, USE_HIERARCHY);
        MemoryStatsV1.OomControl oomControl = oom == null
                ? null
                : new MemoryStatsV1.OomControl(
                        oom.getOrDefault("oom_kill_disable", 0L) != 0,
                        oom.getOrDefault("under_oom", 0L) != 0,
                        oom.containsKey("oom_kill") ? OptionalLong.of(oom.get("oom_kill")) : OptionalLong.empty());
        return new MemoryStatsV1(
                path,
                KernelFiles.readLong(dir, USAGE),
                KernelFiles.readLong(dir, MAX_USAGE),
                KernelFiles.readLong(dir, LIMIT),
                KernelFiles.readLong(dir, FAILCNT),
                KernelFiles.readLong(dir, MEMSW_USAGE),
                KernelFiles.readLong(dir, MEMSW_MAX_USAGE),
                KernelFiles.readLong(dir, MEMSW_LIMIT),
                KernelFiles.readLong(dir, MEMSW_FAILCNT),
                KernelFiles.readLong(dir, KMEM_USAGE),
                KernelFiles.readLong(dir, KMEM_MAX_USAGE),
                KernelFiles.readLong(dir, KMEM_LIMIT),
                KernelFiles.readLong(dir, KMEM_FAILCNT),
                KernelFiles.readLong(dir, KMEM_TCP_USAGE),
                KernelFiles.readLong(dir, KMEM_TCP_MAX_USAGE),
                KernelFiles.readLong(dir, KMEM_TCP_LIMIT),
                KernelFiles.readLong(dir, KMEM_TCP_FAILCNT),
                stat == null ? Map.of() : stat,
                oomControl,
                hierarchy.isPresent() ? hierarchy.getAsLong() != 0 : null,
                KernelFiles.countLines(dir, TASKS));
    }

    private MemoryStatsV2 readV2() {
        Map<String, Long> stat = KernelFiles.readKeyed(dir, STAT);
        Map<String, Long> events = KernelFiles.readKeyed(dir, EVENTS);
        return new MemoryStatsV2(
                path,
                KernelFiles.readLong(dir, CURRENT),
                KernelFiles.readLong(dir, MAX),
                KernelFiles.readLong(dir, HIGH),
                stat == null ? Map.of() : stat,
                events == null ? Map.of() : events,
                KernelFiles.countLines(dir, CGROUP_PROCS));
    }

    /**
     * Reads only the usage file ({@code memory.usage_in_bytes} or {@code memory.current}).
     *
     * @return bytes charged, empty when the file or the cgroup is gone
     */
    public OptionalLong usage() {
        try {
            return KernelFiles.readLong(dir, v2 ? CURRENT : USAGE);
        } catch (CgroupGone gone) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String toString() {
        return (v2 ? "memory cgroup (v2) " : "memory cgroup (v1) ") + path + " at " + dir;
    }
}
