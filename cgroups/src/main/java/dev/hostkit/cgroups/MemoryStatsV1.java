package dev.hostkit.cgroups;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The cgroup v1 memory controller's files for one cgroup (Documentation/admin-guide/cgroup-v1/memory.rst).
 * A file the kernel lacks (memsw without swap accounting, kmem.limit on 6.1.54) is an empty value.
 *
 * @param path the cgroup's path in the hierarchy
 * @param usage {@code memory.usage_in_bytes}
 * @param maxUsage {@code memory.max_usage_in_bytes}
 * @param limit {@code memory.limit_in_bytes}
 * @param failcnt {@code memory.failcnt}
 * @param memswUsage {@code memory.memsw.usage_in_bytes}
 * @param memswMaxUsage {@code memory.memsw.max_usage_in_bytes}
 * @param memswLimit {@code memory.memsw.limit_in_bytes}
 * @param memswFailcnt {@code memory.memsw.failcnt}
 * @param kmemUsage {@code memory.kmem.usage_in_bytes}
 * @param kmemMaxUsage {@code memory.kmem.max_usage_in_bytes}
 * @param kmemLimit {@code memory.kmem.limit_in_bytes}
 * @param kmemFailcnt {@code memory.kmem.failcnt}
 * @param kmemTcpUsage {@code memory.kmem.tcp.usage_in_bytes}
 * @param kmemTcpMaxUsage {@code memory.kmem.tcp.max_usage_in_bytes}
 * @param kmemTcpLimit {@code memory.kmem.tcp.limit_in_bytes}
 * @param kmemTcpFailcnt {@code memory.kmem.tcp.failcnt}
 * @param stat every key of {@code memory.stat} (local and {@code total_*}, unknown keys too)
 * @param oomControl {@code memory.oom_control}, or {@code null} when missing
 * @param useHierarchy {@code memory.use_hierarchy}, or {@code null} when missing
 * @param tasks lines of {@code tasks}
 */
public record MemoryStatsV1(
        String path,
        OptionalLong usage,
        OptionalLong maxUsage,
        OptionalLong limit,
        OptionalLong failcnt,
        OptionalLong memswUsage,
        OptionalLong memswMaxUsage,
        OptionalLong memswLimit,
        OptionalLong memswFailcnt,
        OptionalLong kmemUsage,
        OptionalLong kmemMaxUsage,
        OptionalLong kmemLimit,
        OptionalLong kmemFailcnt,
        OptionalLong kmemTcpUsage,
        OptionalLong kmemTcpMaxUsage,
        OptionalLong kmemTcpLimit,
        OptionalLong kmemTcpFailcnt,
        Map<String, Long> stat,
        OomControl oomControl,
        Boolean useHierarchy,
        OptionalLong tasks)
        implements MemoryStats {

    /** Copies {@code stat}, keeping the file's order, so the record stays immutable. */
    public MemoryStatsV1 {
        stat = Collections.unmodifiableMap(new LinkedHashMap<>(stat));
    }

    /**
     * {@code memory.oom_control}.
     *
     * @param oomKillDisable {@code oom_kill_disable 1}: the OOM killer is off for this cgroup
     * @param underOom {@code under_oom 1}: tasks are waiting for memory right now
     * @param oomKill {@code oom_kill} count (4.13+), empty on older kernels
     */
    public record OomControl(boolean oomKillDisable, boolean underOom, OptionalLong oomKill) {}
}
