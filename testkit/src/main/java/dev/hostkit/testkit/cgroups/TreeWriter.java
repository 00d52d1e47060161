package dev.hostkit.testkit.cgroups;

import dev.hostkit.core.KernelVersion;
import dev.hostkit.testkit.cgroups.CgroupFixture.Hierarchy;
import dev.hostkit.testkit.cgroups.CgroupFixture.Memcg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes one {@link CgroupFixture} as files, in the formats of the fixture's kernel. */
final class TreeWriter {
    // What the kernel prints for "no limit": LONG_MAX before 3.19, then PAGE_COUNTER_MAX pages of 4 KiB.
    private static final long UNLIMITED_BEFORE_3_19 = Long.MAX_VALUE;
    private static final long UNLIMITED_PAGE_COUNTER = 9223372036854771712L;
    private static final String SLABINFO_HEADER = "slabinfo - version: 2.1\n"
            + "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
            + " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

    /** A v1 mount: its directory under /sys/fs/cgroup and the controllers (super options) it carries. */
    private record V1Mount(String dir, List<String> controllers) {}

    private final CgroupFixture f;
    private final KernelVersion k;
    private final Path root;
    private int nextPid = 1000;

    TreeWriter(CgroupFixture fixture, Path root) {
        this.f = fixture;
        this.k = fixture.kernel;
        this.root = root;
    }

    void write() throws IOException {
        Path proc = Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("sys/kernel"));
        Files.writeString(proc.resolve("sys/kernel/osrelease"), k.release() + "\n");
        Files.writeString(proc.resolve("cmdline"), f.cmdline + "\n");
        Files.writeString(proc.resolve("self/mountinfo"), mountinfo());
        Files.writeString(proc.resolve("cgroups"), procCgroups());
        if (f.cgroupMounts) {
            writeCgroupMounts();
        }
        for (Map.Entry<String, String> e : f.hostFiles.entrySet()) {
            Path p = root.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.getValue());
        }
    }

    private Hierarchy hierarchy() {
        return f.hierarchy;
    }

    /** The v1 controllers this kernel has, in the kernel's subsystem order (the order of /proc/cgroups). */
    private List<String> controllers() {
        List<String> c = new ArrayList<>(List.of(
                "cpuset",
                "cpu",
                "cpuacct",
                "blkio",
                "memory",
                "devices",
                "freezer",
                "net_cls",
                "perf_event",
                "net_prio",
                "hugetlb"));
        addIf(c, k.atLeast(4, 3) || k.release().contains(".el7"), "pids");
        addIf(c, k.atLeast(4, 11), "rdma");
        addIf(c, k.atLeast(5, 13), "misc");
        return c;
    }

    /** The controllers cgroup2 offers at its root when it owns them (cpuset from 5.0, hugetlb from 5.6). */
    private List<String> v2Controllers() {
        List<String> c = new ArrayList<>();
        addIf(c, k.atLeast(5, 0), "cpuset");
        c.addAll(List.of("cpu", "io", "memory"));
        addIf(c, k.atLeast(5, 6), "hugetlb");
        c.add("pids");
        addIf(c, k.atLeast(4, 11), "rdma");
        addIf(c, k.atLeast(5, 13), "misc");
        return c;
    }

    private static void addIf(List<String> list, boolean present, String name) {
        if (present) {
            list.add(name);
        }
    }

    /** How systemd mounts the v1 controllers (cpu with cpuacct, net_cls with net_prio). */
    private List<V1Mount> v1Mounts() {
        List<V1Mount> m = new ArrayList<>();
        List<String> have = controllers();
        for (String c : have) {
            switch (c) {
                case "cpu" -> m.add(new V1Mount("cpu,cpuacct", List.of("cpu", "cpuacct")));
                case "net_cls" -> m.add(new V1Mount("net_cls,net_prio", List.of("net_cls", "net_prio")));
                case "cpuacct", "net_prio" -> {}
                default -> m.add(new V1Mount(c, List.of(c)));
            }
        }
        return m;
    }

    private String mountinfo() {
        StringBuilder b = new StringBuilder();
        b.append("22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n");
        b.append("23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n");
        b.append("24 22 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n");
        if (!f.cgroupMounts) {
            return b.toString();
        }
        if (hierarchy() == Hierarchy.V2) {
            b.append(
                            "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate")
                    .append(k.atLeast(5, 7) ? ",memory_recursiveprot" : "")
                    .append('\n');
            return b.toString();
        }
        b.append("25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:7 - tmpfs tmpfs ro,mode=755\n");
        int id = 26;
        int dev = 24;
        if (hierarchy() == Hierarchy.HYBRID) {
            b.append(id++)
                    .append(" 25 0:")
                    .append(dev++)
                    .append(
                            " / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate\n");
        }
        b.append(id++)
                .append(" 25 0:")
                .append(dev++)
                .append(" / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9")
                .append(" - cgroup cgroup rw,xattr,name=systemd\n");
        int shared = 10;
        for (V1Mount m : v1Mounts()) {
            b.append(id++)
                    .append(" 25 0:")
                    .append(dev++)
                    .append(" / /sys/fs/cgroup/")
                    .append(m.dir())
                    .append(" rw,nosuid,nodev,noexec,relatime shared:")
                    .append(shared++)
                    .append(" - cgroup cgroup rw,")
                    .append(String.join(",", m.controllers()))
                    .append('\n');
        }
        return b.toString();
    }

    // subsys_name, hierarchy (0 = cgroup2 or unmounted), num_cgroups (live + not yet freed), enabled.
    private String procCgroups() {
        StringBuilder b = new StringBuilder("#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
        boolean v1 = f.cgroupMounts && hierarchy() != Hierarchy.V2;
        Map<String, Integer> hierarchyIds = new LinkedHashMap<>();
        int next = 2; // 1 is systemd's name=systemd hierarchy
        for (V1Mount m : v1Mounts()) {
            for (String c : m.controllers()) {
                hierarchyIds.put(c, next);
            }
            next++;
        }
        long live = f.cgroups.size();
        long all = f.memoryCgroupCount();
        for (String c : controllers()) {
            int hierarchy = v1 ? hierarchyIds.get(c) : 0;
            // v1: each hierarchy counts its own cgroups; the others mirror the memory tree's live cgroups.
            // v2: one root, so every controller shows the same count, removed cgroups included.
            long count = !f.cgroupMounts ? 1 : !v1 ? all : c.equals("memory") ? all : live;
            b.append(c)
                    .append('\t')
                    .append(hierarchy)
                    .append('\t')
                    .append(count)
                    .append('\t')
                    .append(1)
                    .append('\n');
        }
        return b.toString();
    }

    private void writeCgroupMounts() throws IOException {
        Path cgroupRoot = Files.createDirectories(root.resolve("sys/fs/cgroup"));
        Path memRoot;
        if (hierarchy() == Hierarchy.V2) {
            memRoot = cgroupRoot;
        } else {
            for (V1Mount m : v1Mounts()) {
                Files.createDirectories(cgroupRoot.resolve(m.dir()));
            }
            Files.createDirectories(cgroupRoot.resolve("systemd"));
            memRoot = cgroupRoot.resolve("memory");
            if (hierarchy() == Hierarchy.HYBRID) {
                // systemd's unified tree for process tracking only: every controller is bound to v1.
                Path unified = Files.createDirectories(cgroupRoot.resolve("unified"));
                Files.writeString(unified.resolve("cgroup.controllers"), "\n");
                Files.writeString(unified.resolve("cgroup.subtree_control"), "\n");
                Files.writeString(unified.resolve("cgroup.procs"), "1\n");
            }
        }
        for (Map.Entry<String, Memcg> e : f.cgroups.entrySet()) {
            String path = e.getKey();
            Memcg m = e.getValue();
            Path dir = path.equals("/") ? memRoot : memRoot.resolve(path.substring(1));
            Files.createDirectories(dir);
            Map<String, String> files = hierarchy() == Hierarchy.V2 ? v2Files(path, m) : v1Files(path, m);
            files.putAll(m.files);
            for (Map.Entry<String, String> file : files.entrySet()) {
                if (!m.omitted.contains(file.getKey())) {
                    Files.writeString(dir.resolve(file.getKey()), file.getValue());
                }
            }
        }
    }

    private long unlimited() {
        return k.atLeast(3, 19) ? UNLIMITED_PAGE_COUNTER : UNLIMITED_BEFORE_3_19;
    }

    private boolean kmemLimitFileRemoved() {
        // 6.1.54 and 6.5.4 dropped memory.kmem.limit_in_bytes; the next stable releases restored it.
        return (k.major() == 6 && k.minor() == 1 && k.patch() == 54)
                || (k.major() == 6 && k.minor() == 5 && k.patch() == 4);
    }

    private Map<String, String> v1Files(String path, Memcg m) {
        Map<String, String> f1 = new LinkedHashMap<>();
        long usage = m.usage;
        long kmem = m.kmem;
        long limit = m.limit < 0 ? unlimited() : m.limit;
        String pids = pids(m.tasks);
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
        if (f.swapAccounting) {
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
    List<String> v1StatKeys() {
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
        if (f.swapAccounting) {
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
        for (String key : v1StatKeys()) {
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
        if (f.swapAccounting) {
            b.append("hierarchical_memsw_limit ").append(unlimited()).append('\n');
        }
        values.forEach(
                (key, v) -> b.append("total_").append(key).append(' ').append(v).append('\n'));
        return b.toString();
    }

    private Map<String, String> v2Files(String path, Memcg m) {
        Map<String, String> f2 = new LinkedHashMap<>();
        String controllers = String.join(" ", v2Controllers()) + "\n";
        boolean hasChildren = f.cgroups.keySet().stream().anyMatch(p -> isBelow(p, path));
        f2.put("cgroup.procs", pids(m.tasks));
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
        long descendants =
                f.cgroups.keySet().stream().filter(p -> isBelow(p, path)).count();
        long dying = path.equals("/") ? f.dying : 0;
        StringBuilder b =
                new StringBuilder("nr_descendants ").append(descendants).append('\n');
        if (k.atLeast(6, 13)) {
            for (String c : v2Controllers()) {
                b.append("nr_subsys_")
                        .append(c)
                        .append(' ')
                        .append(descendants + 1)
                        .append('\n');
            }
        }
        b.append("nr_dying_descendants ").append(dying).append('\n');
        if (k.atLeast(6, 13)) {
            for (String c : v2Controllers()) {
                b.append("nr_dying_subsys_").append(c).append(' ').append(dying).append('\n');
            }
        }
        return b.toString();
    }

    /** The memory.stat items of v2 for this kernel, in the kernel's order. */
    List<String> v2StatKeys() {
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
        for (String key : v2StatKeys()) {
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

    private String pids(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(nextPid++).append('\n');
        }
        return b.toString();
    }
}
