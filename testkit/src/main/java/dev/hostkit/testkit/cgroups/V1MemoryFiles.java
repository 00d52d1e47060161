package dev.hostkit.testkit.cgroups;

import dev.hostkit.core.KernelVersion;
import dev.hostkit.testkit.cgroups.CgroupFixture.Memcg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

// The files of one cgroup v1 memory cgroup as a given kernel shows them: usage, limits, kmem, memory.stat.
final class V1MemoryFiles {
    // What the kernel prints for "no limit": LONG_MAX before 3.19, then PAGE_COUNTER_MAX pages of 4 KiB.
    private static final long UNLIMITED_BEFORE_3_19 = Long.MAX_VALUE;
    private static final long UNLIMITED_PAGE_COUNTER = 9223372036854771712L;
    private static final String SLABINFO_HEADER = "slabinfo - version: 2.1\n"
            + "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
            + " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

    private final KernelVersion k;
    private final boolean swapAccounting;

    V1MemoryFiles(KernelVersion kernel, boolean swapAccounting) {
        this.k = kernel;
        this.swapAccounting = swapAccounting;
    }

    private long unlimited() {
        return k.atLeast(3, 19) ? UNLIMITED_PAGE_COUNTER : UNLIMITED_BEFORE_3_19;
    }

    private boolean kmemLimitFileRemoved() {
        // 6.1.54 and 6.5.4 dropped memory.kmem.limit_in_bytes; the next stable releases restored it.
        return (k.major() == 6 && k.minor() == 1 && k.patch() == 54)
                || (k.major() == 6 && k.minor() == 5 && k.patch() == 4);
    }

    Map<String, String> files(String path, Memcg m, String pids) {
        Map<String, String> f1 = new LinkedHashMap<>();
        long usage = m.usage;
        long kmem = m.kmem;
        long limit = m.limit < 0 ? unlimited() : m.limit;
        f1.put("cgroup.clone_children", "0\n");
        f1.put("cgroup.procs", pids);
        f1.put("tasks", pids);
        f1.put("notify_on_release", "0\n");
        if (path.equals("/")) {
            f1.put("cgroup.sane_behavior", "0\n");
            f1.put("release_agent", "\n");
        }
        f1.put("memory.usage_in_bytes", usage + "\n");
        f1.put("memory.max_usage_in_bytes", (usage + (1 << 20)) + "\n");
        f1.put("memory.limit_in_bytes", limit + "\n");
        f1.put("memory.soft_limit_in_bytes", unlimited() + "\n");
        f1.put("memory.failcnt", "0\n");
        if (swapAccounting) {
            f1.put("memory.memsw.usage_in_bytes", usage + "\n");
            f1.put("memory.memsw.max_usage_in_bytes", (usage + (1 << 20)) + "\n");
            f1.put("memory.memsw.limit_in_bytes", limit + "\n");
            f1.put("memory.memsw.failcnt", "0\n");
        }
        f1.put("memory.kmem.usage_in_bytes", kmem + "\n");
        f1.put("memory.kmem.max_usage_in_bytes", kmem + "\n");
        if (!kmemLimitFileRemoved()) {
            f1.put("memory.kmem.limit_in_bytes", unlimited() + "\n");
        }
        f1.put("memory.kmem.failcnt", "0\n");
        f1.put("memory.kmem.tcp.usage_in_bytes", "0\n");
        f1.put("memory.kmem.tcp.max_usage_in_bytes", "0\n");
        f1.put("memory.kmem.tcp.limit_in_bytes", unlimited() + "\n");
        f1.put("memory.kmem.tcp.failcnt", "0\n");
        if (k.atLeast(5, 9)) {
            f1.put("memory.kmem.slabinfo", "");
        } else if (kmem > 0) {
            f1.put(
                    "memory.kmem.slabinfo",
                    SLABINFO_HEADER
                            + "dentry               126    126    192   21    1 : tunables    0    0    0 : slabdata      6      6      0\n"
                            + "inode_cache           52     52    600   13    2 : tunables    0    0    0 : slabdata      4      4      0\n");
        }
        f1.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n" + (k.atLeast(4, 13) ? "oom_kill 0\n" : ""));
        f1.put("memory.use_hierarchy", "1\n");
        f1.put("memory.swappiness", "60\n");
        f1.put("memory.move_charge_at_immigrate", "0\n");
        f1.put("memory.stat", v1Stat(usage));
        return f1;
    }

    /** The memory.stat items of v1 in the kernel's order, before the hierarchical and total_ ones. */
    List<String> statKeys() {
        List<String> keys = new ArrayList<>(List.of("cache", "rss", "rss_huge"));
        if (k.atLeast(4, 0)) {
            keys.add("shmem");
        }
        keys.add("mapped_file");
        if (k.atLeast(4, 2)) {
            keys.addAll(List.of("dirty", "writeback"));
        }
        if (k.atLeast(5, 9)) {
            keys.addAll(List.of("workingset_refault_anon", "workingset_refault_file"));
        }
        if (swapAccounting) {
            keys.add("swap");
            if (k.atLeast(6, 1)) {
                keys.add("swapcached");
            }
        }
        keys.addAll(List.of(
                "pgpgin",
                "pgpgout",
                "pgfault",
                "pgmajfault",
                "inactive_anon",
                "active_anon",
                "inactive_file",
                "active_file",
                "unevictable"));
        return keys;
    }

    private String v1Stat(long usage) {
        long cache = usage / 2;
        long rss = usage - cache;
        Map<String, Long> values = new LinkedHashMap<>();
        for (String key : statKeys()) {
            values.put(
                    key,
                    switch (key) {
                        case "cache", "active_file" -> cache;
                        case "rss", "active_anon" -> rss;
                        default -> 0L;
                    });
        }
        StringBuilder b = new StringBuilder();
        values.forEach((key, v) -> b.append(key).append(' ').append(v).append('\n'));
        b.append("hierarchical_memory_limit ").append(unlimited()).append('\n');
        if (swapAccounting) {
            b.append("hierarchical_memsw_limit ").append(unlimited()).append('\n');
        }
        values.forEach(
                (key, v) -> b.append("total_").append(key).append(' ').append(v).append('\n'));
        return b.toString();
    }
}
