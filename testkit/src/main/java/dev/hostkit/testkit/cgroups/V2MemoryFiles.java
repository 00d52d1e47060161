package dev.hostkit.testkit.cgroups;

import dev.hostkit.core.KernelVersion;
import dev.hostkit.testkit.cgroups.CgroupFixture.Memcg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

// The files of one cgroup2 cgroup as a given kernel shows them: controllers, cgroup.stat, memory.*, memory.stat.
final class V2MemoryFiles {
    private final KernelVersion k;
    private final Set<String> cgroups;
    private final long dying;

    // cgroups: every live cgroup path; dying: removed cgroups not yet freed (all counted at the root)
    V2MemoryFiles(KernelVersion kernel, Set<String> cgroups, long dying) {
        this.k = kernel;
        this.cgroups = cgroups;
        this.dying = dying;
    }

    /** The controllers cgroup2 offers at its root when it owns them (cpuset from 5.0, hugetlb from 5.6). */
    List<String> controllers() {
        List<String> c = new ArrayList<>();
        addIf(c, k.atLeast(5, 0), "cpuset");
        c.addAll(List.of("cpu", "io", "memory"));
        addIf(c, k.atLeast(5, 6), "hugetlb");
        c.add("pids");
        addIf(c, k.atLeast(4, 11), "rdma");
        addIf(c, k.atLeast(5, 13), "misc");
        return c;
    }

    Map<String, String> files(String path, Memcg m, String pids) {
        Map<String, String> f2 = new LinkedHashMap<>();
        String controllers = String.join(" ", controllers()) + "\n";
        boolean hasChildren = cgroups.stream().anyMatch(p -> isBelow(p, path));
        f2.put("cgroup.procs", pids);
        f2.put("cgroup.controllers", controllers);
        // systemd delegates every controller down its slices; leaves enable none.
        f2.put("cgroup.subtree_control", hasChildren ? controllers : "\n");
        f2.put("cgroup.max.depth", "max\n");
        f2.put("cgroup.max.descendants", "max\n");
        if (k.atLeast(4, 14)) {
            f2.put("cgroup.stat", cgroupStat(path));
        }
        if (path.equals("/")) {
            f2.put("memory.stat", v2Stat(m));
            return f2; // the root has no memory.current, memory.max or memory.events
        }
        long usage = m.usage;
        long limit = m.limit;
        f2.put("cgroup.type", "domain\n");
        f2.put(
                "cgroup.events",
                "populated " + (m.tasks > 0 || hasChildren ? 1 : 0) + "\n" + (k.atLeast(5, 2) ? "frozen 0\n" : ""));
        f2.put("memory.current", usage + "\n");
        f2.put("memory.min", "0\n");
        f2.put("memory.low", "0\n");
        f2.put("memory.high", "max\n");
        f2.put("memory.max", limit < 0 ? "max\n" : limit + "\n");
        if (k.atLeast(5, 19)) {
            f2.put("memory.peak", (usage + (1 << 20)) + "\n");
        }
        f2.put(
                "memory.events",
                "low 0\nhigh 0\nmax 0\noom 0\n" + (k.atLeast(4, 13) ? "oom_kill 0\n" : "")
                        + (k.atLeast(5, 19) ? "oom_group_kill 0\n" : ""));
        f2.put("memory.swap.current", "0\n");
        f2.put("memory.swap.max", "max\n");
        f2.put("memory.stat", v2Stat(m));
        return f2;
    }

    // nr_descendants and nr_dying_descendants (4.14+); from 6.13 also live and dying csses per controller,
    // the cgroup itself included. Removed cgroups are all counted at the root: the fixture does not say where they
    // were.
    private String cgroupStat(String path) {
        long descendants = cgroups.stream().filter(p -> isBelow(p, path)).count();
        long dying = path.equals("/") ? this.dying : 0;
        StringBuilder b =
                new StringBuilder("nr_descendants ").append(descendants).append('\n');
        if (k.atLeast(6, 13)) {
            for (String c : controllers()) {
                b.append("nr_subsys_")
                        .append(c)
                        .append(' ')
                        .append(descendants + 1)
                        .append('\n');
            }
        }
        b.append("nr_dying_descendants ").append(dying).append('\n');
        if (k.atLeast(6, 13)) {
            for (String c : controllers()) {
                b.append("nr_dying_subsys_").append(c).append(' ').append(dying).append('\n');
            }
        }
        return b.toString();
    }

    /** The memory.stat items of v2 for this kernel, in the kernel's order. */
    List<String> statKeys() {
        List<String> keys = new ArrayList<>(List.of("anon", "file"));
        if (k.atLeast(5, 18)) {
            keys.add("kernel");
        }
        keys.addAll(List.of(
                "kernel_stack",
                "pagetables",
                "percpu",
                "sock",
                "shmem",
                "file_mapped",
                "file_dirty",
                "file_writeback"));
        if (k.atLeast(6, 1)) {
            keys.add("swapcached");
        }
        keys.addAll(List.of(
                "anon_thp",
                "file_thp",
                "shmem_thp",
                "inactive_anon",
                "active_anon",
                "inactive_file",
                "active_file",
                "unevictable",
                "slab_reclaimable",
                "slab_unreclaimable",
                "slab"));
        if (k.atLeast(5, 9)) {
            keys.addAll(List.of(
                    "workingset_refault_anon",
                    "workingset_refault_file",
                    "workingset_activate_anon",
                    "workingset_activate_file",
                    "workingset_restore_anon",
                    "workingset_restore_file"));
        } else {
            keys.addAll(List.of("workingset_refault", "workingset_activate", "workingset_restore"));
        }
        keys.addAll(List.of(
                "workingset_nodereclaim",
                "pgfault",
                "pgmajfault",
                "pgrefill",
                "pgscan",
                "pgsteal",
                "pgactivate",
                "pgdeactivate",
                "pglazyfree",
                "pglazyfreed",
                "thp_fault_alloc",
                "thp_collapse_alloc"));
        return keys;
    }

    private String v2Stat(Memcg m) {
        long usage = m.usage;
        long kmem = m.kmem;
        // kernel memory split so that stacks + page tables + slab add up to the "kernel" item
        long quarter = kmem / 4;
        long slabUnreclaimable = kmem - 3 * quarter;
        StringBuilder b = new StringBuilder();
        for (String key : statKeys()) {
            long v = switch (key) {
                case "anon", "active_anon" -> usage / 2;
                case "file", "active_file" -> usage - usage / 2;
                case "kernel" -> kmem;
                case "kernel_stack", "pagetables", "slab_reclaimable" -> quarter;
                case "slab_unreclaimable" -> slabUnreclaimable;
                case "slab" -> quarter + slabUnreclaimable;
                default -> 0L;
            };
            b.append(key).append(' ').append(v).append('\n');
        }
        return b.toString();
    }

    private static boolean isBelow(String p, String path) {
        return !p.equals(path) && (path.equals("/") || p.startsWith(path + "/"));
    }

    static void addIf(List<String> list, boolean present, String name) {
        if (present) {
            list.add(name);
        }
    }
}
