package dev.hostkit.cgroups;

import java.util.Map;
import java.util.OptionalLong;

/**
 * What one memory cgroup's files said at one moment, v1 ({@link MemoryStatsV1}) or v2 ({@link MemoryStatsV2}).
 * Values the running kernel does not offer are empty, never zero.
 */
public sealed interface MemoryStats permits MemoryStatsV1, MemoryStatsV2 {
    /** The cgroup's path inside its hierarchy, {@code /} for the root, e.g. {@code /kubepods/burstable/pod1234}. */
    String path();

    /** Memory charged now, in bytes ({@code memory.usage_in_bytes} or {@code memory.current}). */
    OptionalLong usage();

    /** The hard limit in bytes; {@link Long#MAX_VALUE} or the v1 page-rounded maximum when unlimited. */
    OptionalLong limit();

    /** Kernel memory charged, in bytes ({@code memory.kmem.usage_in_bytes}, or the v2 {@code memory.stat} kernel items). */
    OptionalLong kmemUsage();

    /** How many tasks (v1 {@code tasks}) or processes (v2 {@code cgroup.procs}) are in the cgroup. */
    OptionalLong tasks();

    /** Every key of {@code memory.stat}, in file order; empty when the file is missing. */
    Map<String, Long> stat();
}
