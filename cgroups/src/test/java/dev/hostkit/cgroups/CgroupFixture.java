package dev.hostkit.cgroups;

import dev.hostkit.core.KernelVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Lays out a host's memory cgroup hierarchy under a directory as a given kernel would: {@code proc/self/mountinfo},
 * {@code proc/cgroups}, {@code proc/sys/kernel/osrelease}, {@code proc/cmdline} and the v1 or v2 memory files with the
 * names and formats that kernel has. Written to be promoted to the testkit as the "cgroup fixture builder".
 *
 * <p>Kernel rules it applies: {@code memory.kmem.limit_in_bytes} absent on 6.1.54 and 6.5.4 (removed, then restored
 * in 6.1.55/6.5.5); {@code memory.kmem.slabinfo} empty from 5.9, listing caches before that when the cgroup charges
 * kmem and absent (standing in for the EIO read) when it does not; {@code oom_kill} in oom_control from 4.13; the
 * workingset/shmem items of memory.stat from 4.x; v2's {@code kernel} stat item from 5.18 and
 * {@code nr_subsys_memory} in cgroup.stat from 6.13.
 */
final class CgroupFixture {
    /** What to write for one cgroup; unset values get plausible defaults. */
    static final class Memcg {
        long usage = 4 << 20;
        long kmem = 0;
        long limit = -1;
        int tasks = 0;
        final Map<String, String> override = new LinkedHashMap<>();
        final Set<String> missing = new HashSet<>();

        Memcg usage(long bytes) {
            usage = bytes;
            return this;
        }

        Memcg kmem(long bytes) {
            kmem = bytes;
            return this;
        }

        Memcg limit(long bytes) {
            limit = bytes;
            return this;
        }

        Memcg tasks(int n) {
            tasks = n;
            return this;
        }

        /** Writes {@code content} instead of what the kernel would (garbage, odd formats). */
        Memcg file(String name, String content) {
            override.put(name, content);
            return this;
        }

        /** Leaves a file out. */
        Memcg without(String name) {
            missing.add(name);
            return this;
        }
    }

    enum Mode { V1, V2, HYBRID }

    private final KernelVersion kernel;
    private Mode mode = Mode.V1;
    private String cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro";
    private boolean swapAccounting = true;
    private long dying;
    private boolean cgroupMounts = true;
    private final Map<String, Memcg> cgroups = new LinkedHashMap<>();

    private CgroupFixture(String release) {
        this.kernel = KernelVersion.parse(release);
        cgroups.put("/", new Memcg().usage(900L << 20).kmem(0));
    }

    /** A host running kernel {@code release}, v1 layout, no cgroups but the root. */
    static CgroupFixture kernel(String release) {
        return new CgroupFixture(release);
    }

    CgroupFixture v1() {
        mode = Mode.V1;
        return this;
    }

    CgroupFixture v2() {
        mode = Mode.V2;
        return this;
    }

    CgroupFixture hybrid() {
        mode = Mode.HYBRID;
        return this;
    }

    CgroupFixture cmdline(String line) {
        cmdline = line;
        return this;
    }

    CgroupFixture noSwapAccounting() {
        swapAccounting = false;
        return this;
    }

    /** A host without any cgroup mount (the wrong --root). */
    CgroupFixture noCgroupMounts() {
        cgroupMounts = false;
        return this;
    }

    /** Removed cgroups the kernel still holds (v1: counted in /proc/cgroups; v2: nr_dying_descendants). */
    CgroupFixture dying(long n) {
        dying = n;
        return this;
    }

    /** Adds a cgroup (and its missing parents) at {@code path}. */
    CgroupFixture cgroup(String path, Consumer<Memcg> spec) {
        addParents(path);
        Memcg m = cgroups.computeIfAbsent(path, p -> new Memcg());
        spec.accept(m);
        return this;
    }

    CgroupFixture cgroup(String path) {
        return cgroup(path, m -> { });
    }

    /** Changes the root cgroup's files. */
    CgroupFixture root(Consumer<Memcg> spec) {
        spec.accept(cgroups.get("/"));
        return this;
    }

    private void addParents(String path) {
        String p = path;
        List<String> parents = new ArrayList<>();
        while (p.lastIndexOf('/') > 0) {
            p = p.substring(0, p.lastIndexOf('/'));
            parents.add(0, p);
        }
        for (String parent : parents) {
            cgroups.computeIfAbsent(parent, x -> new Memcg());
        }
    }

    /**
     * A kubelet pod with the cgroupfs driver: {@code /kubepods[/burstable|/besteffort]/pod<uid>/<id>...}.
     *
     * @param qos {@code guaranteed}, {@code burstable} or {@code besteffort}
     */
    CgroupFixture kubeletCgroupfsPod(String qos, String podUid, String... containerIds) {
        String pod = "/kubepods" + (qos.equals("guaranteed") ? "" : "/" + qos) + "/pod" + podUid;
        cgroup(pod);
        for (String id : containerIds) {
            cgroup(pod + "/" + id, m -> m.tasks(1).kmem(256 << 10).usage(32 << 20));
        }
        return this;
    }

    /** A kubelet pod with the systemd driver and a runtime prefix such as {@code docker}, {@code cri-containerd}, {@code crio}. */
    CgroupFixture kubeletSystemdPod(String qos, String podUid, String runtime, String... containerIds) {
        String uid = podUid.replace('-', '_');
        String pod = qos.equals("guaranteed") ? "/kubepods.slice/kubepods-pod" + uid + ".slice"
                : "/kubepods.slice/kubepods-" + qos + ".slice/kubepods-" + qos + "-pod" + uid + ".slice";
        cgroup(pod);
        for (String id : containerIds) {
            cgroup(pod + "/" + runtime + "-" + id + ".scope", m -> m.tasks(2).kmem(512 << 10).usage(64 << 20));
        }
        return this;
    }

    /** Writes the tree under {@code dir} and returns {@code dir} (the root to pass to {@link CgroupFs#at}). */
    Path build(Path dir) {
        try {
            Path proc = Files.createDirectories(dir.resolve("proc"));
            Files.createDirectories(proc.resolve("self"));
            Files.createDirectories(proc.resolve("sys/kernel"));
            Files.writeString(proc.resolve("sys/kernel/osrelease"), kernel.release() + "\n");
            Files.writeString(proc.resolve("cmdline"), cmdline + "\n");
            Files.writeString(proc.resolve("self/mountinfo"), mountinfo());
            Files.writeString(proc.resolve("cgroups"), procCgroups());
            if (!cgroupMounts) {
                return dir;
            }
            if (mode != Mode.V2) {
                // other v1 controllers exist as empty mount points, as on a real host
                Files.createDirectories(dir.resolve("sys/fs/cgroup/cpu"));
            }
            if (mode != Mode.V1) {
                Path unified = Files.createDirectories(dir.resolve(mode == Mode.V2 ? "sys/fs/cgroup" : "sys/fs/cgroup/unified"));
                Files.writeString(unified.resolve("cgroup.controllers"), mode == Mode.V2 ? "cpuset cpu io memory hugetlb pids\n" : "\n");
            }
            Path memRoot = dir.resolve(mode == Mode.V2 ? "sys/fs/cgroup" : "sys/fs/cgroup/memory");
            for (Map.Entry<String, Memcg> e : cgroups.entrySet()) {
                String path = e.getKey();
                Path cg = path.equals("/") ? memRoot : memRoot.resolve(path.substring(1));
                Files.createDirectories(cg);
                Map<String, String> files = mode == Mode.V2 ? v2Files(path, e.getValue()) : v1Files(path, e.getValue());
                files.putAll(e.getValue().override);
                for (Map.Entry<String, String> f : files.entrySet()) {
                    if (!e.getValue().missing.contains(f.getKey())) {
                        Files.writeString(cg.resolve(f.getKey()), f.getValue());
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String mountinfo() {
        StringBuilder b = new StringBuilder();
        b.append("22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
        b.append("23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n");
        if (!cgroupMounts) {
            return b.toString();
        }
        if (mode == Mode.V2) {
            b.append("30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
            return b.toString();
        }
        b.append("25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:7 - tmpfs tmpfs ro,mode=755\n");
        if (mode == Mode.HYBRID) {
            b.append("26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate\n");
        }
        b.append("28 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct\n");
        b.append("31 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory\n");
        return b.toString();
    }

    private String procCgroups() {
        boolean v2mem = mode == Mode.V2;
        long memCount = v2mem ? cgroups.size() : cgroups.size() + dying;
        return "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                + "cpuset\t" + (v2mem ? 0 : 2) + "\t1\t1\n"
                + "cpu\t" + (v2mem ? 0 : 3) + "\t1\t1\n"
                + "memory\t" + (v2mem ? 0 : 5) + "\t" + memCount + "\t1\n"
                + "pids\t" + (v2mem ? 0 : 9) + "\t1\t1\n";
    }

    private boolean kmemLimitFileRemoved() {
        String r = kernel.release();
        return r.startsWith("6.1.54") || r.startsWith("6.5.4") && !r.startsWith("6.5.40");
    }

    private Map<String, String> v1Files(String path, Memcg m) {
        Map<String, String> f = new LinkedHashMap<>();
        long unlimited = kernel.atLeast(3, 19) ? 9223372036854771712L : Long.MAX_VALUE;
        long limit = m.limit < 0 ? unlimited : m.limit;
        f.put("cgroup.clone_children", "0\n");
        f.put("cgroup.procs", pids(m.tasks));
        f.put("tasks", pids(m.tasks));
        f.put("notify_on_release", "0\n");
        f.put("memory.usage_in_bytes", m.usage + "\n");
        f.put("memory.max_usage_in_bytes", (m.usage + (1 << 20)) + "\n");
        f.put("memory.limit_in_bytes", limit + "\n");
        f.put("memory.soft_limit_in_bytes", unlimited + "\n");
        f.put("memory.failcnt", "0\n");
        if (swapAccounting) {
            f.put("memory.memsw.usage_in_bytes", m.usage + "\n");
            f.put("memory.memsw.max_usage_in_bytes", (m.usage + (1 << 20)) + "\n");
            f.put("memory.memsw.limit_in_bytes", limit + "\n");
            f.put("memory.memsw.failcnt", "0\n");
        }
        f.put("memory.kmem.usage_in_bytes", m.kmem + "\n");
        f.put("memory.kmem.max_usage_in_bytes", m.kmem + "\n");
        if (!kmemLimitFileRemoved()) {
            f.put("memory.kmem.limit_in_bytes", unlimited + "\n");
        }
        f.put("memory.kmem.failcnt", "0\n");
        f.put("memory.kmem.tcp.usage_in_bytes", "0\n");
        f.put("memory.kmem.tcp.max_usage_in_bytes", "0\n");
        f.put("memory.kmem.tcp.limit_in_bytes", unlimited + "\n");
        f.put("memory.kmem.tcp.failcnt", "0\n");
        if (kernel.atLeast(5, 9)) {
            f.put("memory.kmem.slabinfo", "");
        } else if (m.kmem > 0) {
            f.put("memory.kmem.slabinfo", "slabinfo - version: 2.1\n"
                    + "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
                    + "dentry               126    126    192   21    1 : tunables    0    0    0 : slabdata      6      6      0\n");
        }
        f.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n" + (kernel.atLeast(4, 13) ? "oom_kill 0\n" : ""));
        f.put("memory.use_hierarchy", "1\n");
        f.put("memory.stat", v1Stat(m));
        return f;
    }

    private String v1Stat(Memcg m) {
        long cache = m.usage / 2;
        long rss = m.usage - cache;
        List<String> keys = new ArrayList<>(List.of("cache", "rss", "rss_huge"));
        if (kernel.atLeast(4, 0)) {
            keys.add("shmem");
        }
        keys.addAll(List.of("mapped_file", "dirty", "writeback", "swap", "pgpgin", "pgpgout", "pgfault", "pgmajfault",
                "inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"));
        if (kernel.atLeast(5, 9)) {
            keys.addAll(List.of("workingset_refault_anon", "workingset_refault_file"));
        }
        StringBuilder b = new StringBuilder();
        for (String k : keys) {
            b.append(k).append(' ').append(k.equals("cache") ? cache : k.equals("rss") ? rss : 0).append('\n');
        }
        b.append("hierarchical_memory_limit ").append(kernel.atLeast(3, 19) ? 9223372036854771712L : Long.MAX_VALUE).append('\n');
        if (swapAccounting) {
            b.append("hierarchical_memsw_limit ").append(kernel.atLeast(3, 19) ? 9223372036854771712L : Long.MAX_VALUE).append('\n');
        }
        for (String k : keys) {
            b.append("total_").append(k).append(' ').append(k.equals("cache") ? cache : k.equals("rss") ? rss : 0).append('\n');
        }
        return b.toString();
    }

    private Map<String, String> v2Files(String path, Memcg m) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("cgroup.procs", pids(m.tasks));
        f.put("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
        f.put("cgroup.subtree_control", "memory pids\n");
        if (path.equals("/")) {
            StringBuilder s = new StringBuilder("nr_descendants " + (cgroups.size() - 1) + "\nnr_dying_descendants " + dying + "\n");
            if (kernel.atLeast(6, 13)) {
                s.append("nr_subsys_memory ").append(cgroups.size()).append("\nnr_dying_subsys_memory ").append(dying).append('\n');
            }
            f.put("cgroup.stat", s.toString());
            f.put("memory.stat", v2Stat(m));
            return f; // the root has no memory.current, memory.max or memory.events
        }
        f.put("cgroup.stat", "nr_descendants 0\nnr_dying_descendants 0\n");
        f.put("memory.current", m.usage + "\n");
        f.put("memory.max", m.limit < 0 ? "max\n" : m.limit + "\n");
        f.put("memory.high", "max\n");
        f.put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n" + (kernel.atLeast(5, 19) ? "oom_group_kill 0\n" : ""));
        f.put("memory.stat", v2Stat(m));
        return f;
    }

    private String v2Stat(Memcg m) {
        StringBuilder b = new StringBuilder();
        b.append("anon ").append(m.usage / 2).append('\n').append("file ").append(m.usage / 2).append('\n');
        if (kernel.atLeast(5, 18)) {
            b.append("kernel ").append(m.kmem).append('\n');
        }
        b.append("kernel_stack ").append(m.kmem / 4).append('\n');
        b.append("pagetables ").append(m.kmem / 4).append('\n');
        b.append("percpu 0\n");
        b.append("sock 0\n");
        b.append("shmem 0\n");
        b.append("slab_reclaimable ").append(m.kmem / 4).append('\n');
        b.append("slab_unreclaimable ").append(m.kmem - 3 * (m.kmem / 4)).append('\n');
        b.append("slab ").append(m.kmem - 2 * (m.kmem / 4)).append('\n');
        b.append("pgfault 0\n");
        return b.toString();
    }

    private static String pids(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(1000 + i).append('\n');
        }
        return b.toString();
    }
}
