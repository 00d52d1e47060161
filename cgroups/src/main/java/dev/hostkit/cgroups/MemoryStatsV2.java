package dev.hostkit.cgroups;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The cgroup v2 memory controller's files for one cgroup (Documentation/admin-guide/cgroup-v2.rst).
 * {@code max} reads as {@link Long#MAX_VALUE}; a missing file (the root has no memory.max) is empty.
 *
 * @param path the cgroup's path in the hierarchy
 * @param usage {@code memory.current}
 * @param limit {@code memory.max}
 * @param high {@code memory.high}
 * @param stat every key of {@code memory.stat} (anon, file, kernel, slab, sock...)
 * @param events {@code memory.events} (low, high, max, oom, oom_kill...), empty when missing
 * @param tasks lines of {@code cgroup.procs}
 */
public record MemoryStatsV2(
        String path,
        OptionalLong usage,
        OptionalLong limit,
        OptionalLong high,
        Map<String, Long> stat,
        Map<String, Long> events,
        OptionalLong tasks)
        implements MemoryStats {
    // memory.stat items that are kernel memory, for kernels older than 5.18's single "kernel" item.
    private static final List<String> KERNEL_ITEMS = List.of("slab", "kernel_stack", "pagetables", "percpu", "sock");

    /** Copies the maps, keeping the files' order, so the record stays immutable. */
    public MemoryStatsV2 {
        stat = Collections.unmodifiableMap(new LinkedHashMap<>(stat));
        events = Collections.unmodifiableMap(new LinkedHashMap<>(events));
    }

    /** The {@code kernel} item of memory.stat (5.18+), else the sum of slab, kernel_stack, pagetables, percpu and sock. */
    @Override
    public OptionalLong kmemUsage() {
        Long kernel = stat.get("kernel");
        if (kernel != null) {
            return OptionalLong.of(kernel);
        }
        long sum = 0;
        boolean any = false;
        for (String k : KERNEL_ITEMS) {
            Long v = stat.get(k);
            if (v != null) {
                sum += v;
                any = true;
            }
        }
        return any ? OptionalLong.of(sum) : OptionalLong.empty();
    }
}
