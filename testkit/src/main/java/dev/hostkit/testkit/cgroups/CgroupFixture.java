// Over 400 lines: the public fluent API and its nested Memcg values, each documented; files are written by TreeWriter.
package dev.hostkit.testkit.cgroups;

import dev.hostkit.core.KernelVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A host's memory cgroup hierarchy, written as plain files under a directory the way a given kernel shows it, so code
 * that reads {@code /proc} and {@code /sys/fs/cgroup} can be tested without root and without that kernel.
 * Immutable: every method returns a new fixture; {@link #build(Path)} writes only directories and regular files, and
 * only below the (empty) directory it is given.
 *
 * <p>{@code build(dir)} writes {@code dir/proc/self/mountinfo}, {@code dir/proc/cgroups},
 * {@code dir/proc/sys/kernel/osrelease}, {@code dir/proc/cmdline} and, under {@code dir/sys/fs/cgroup}, the mount
 * points of the chosen {@link Hierarchy} with the memory files of every cgroup added. Point the code under test at
 * {@code dir} as if it were {@code /} (hostkit: {@code CgroupFs.at(dir)}; the command: {@code hostkit cgroups --root dir}).
 *
 * <pre>{@code
 * class MemcgHeadroomTest {
 *     @TempDir
 *     Path dir;
 *
 *     @Test
 *     void rhel7NodeNearTheMemcgLimitIsCritical() {
 *         Path root = CgroupFixture.kernel310KmemNearlyFull()
 *                 .kubeletCgroupfsPod(Qos.BEST_EFFORT, ContainerRuntime.DOCKER,
 *                         "7a1e2f3d-aaaa-4bbb-8ccc-0123456789ab", "9f8e7d6c5b4a39281706f5e4d3c2b1a0")
 *                 .build(dir);
 *         MemoryCensus census = MemoryCensus.full(CgroupFs.at(root));     // hostkit-cgroups, or your own reader
 *         assertThat(census.risk()).isEqualTo(MemoryCensus.Risk.CRITICAL);
 *     }
 *
 *     @Test
 *     void garbageInAFileIsReportedWithTheFileName() {
 *         Path root = CgroupFixture.kernel61V2()
 *                 .cgroup("/system.slice/app.service", m -> m.usage(64 << 20).file("memory.current", "12x4\n"))
 *                 .build(dir);
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Kernel rules it follows (upstream kernels; distribution kernels backport and may differ):
 * the v1 "unlimited" value is {@code LONG_MAX} before 3.19 and {@code LONG_MAX} rounded down to a page after;
 * {@code oom_kill} appears in {@code memory.oom_control} from 4.13; {@code memory.kmem.limit_in_bytes} is absent on
 * 6.1.54 and 6.5.4 (removed, then restored as a no-op); {@code memory.kmem.slabinfo} lists caches before 5.9 when the
 * cgroup charges kmem, is absent otherwise (standing in for the {@code EIO} a read gets), and is empty from 5.9;
 * {@code memory.stat} grows {@code dirty}/{@code writeback} in 4.2, {@code workingset_refault_*} in 5.9 and
 * {@code swapcached} in 6.1 (v1), and {@code kernel} in 5.18 (v2); {@code cgroup.stat} exists from 4.14 and
 * lists {@code nr_subsys_*} from 6.13; {@code /proc/cgroups} counts the cgroups of each hierarchy including removed
 * ones the kernel still holds ({@link #dying(long)}), and lists {@code pids} from 4.3 (and on el7),
 * {@code rdma} from 4.11 and {@code misc} from 5.13.
 *
 * <p>Limits: values are each cgroup's own, as given; parents do not sum their children's usage. Other v1 controllers
 * are empty mount points. No {@code cgroup.events} notification, no pressure files, no per-NUMA statistics.
 */
public final class CgroupFixture {
    /** Removed memory cgroups the kernel still holds in {@link #kernel310KmemNearlyFull()}. */
    public static final long NEARLY_FULL_DYING = 65_400;
    /** The burstable kubelet pod (cgroupfs driver) of {@link #kernel310KmemNearlyFull()}. */
    public static final String EL7_POD_UID = "0f6cbd87-5b9e-4c5e-9b1a-1d2f3e4a5b6c";
    /** The one container of {@link #EL7_POD_UID}; it charges kernel memory, which makes kmem accounting active. */
    public static final String EL7_CONTAINER_ID = "4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a";

    /** How the cgroup filesystems are mounted: {@code CgroupFixture.kernel("5.15.0").hierarchy(Hierarchy.HYBRID)}. */
    public enum Hierarchy {
        /** Legacy: one v1 mount per controller under {@code /sys/fs/cgroup}, memory at {@code /sys/fs/cgroup/memory}. */
        V1,
        /** Unified: one cgroup2 mount at {@code /sys/fs/cgroup} with the memory controller. */
        V2,
        /** systemd's hybrid: v1 controllers as in {@link #V1} plus a controller-less cgroup2 at {@code /sys/fs/cgroup/unified}. */
        HYBRID
    }

    /** Kubernetes pod QoS class, which decides the pod's parent cgroup: {@code kubeletCgroupfsPod(Qos.BURSTABLE, ...)}. */
    public enum Qos {
        /** Directly under {@code kubepods}. */
        GUARANTEED,
        /** Under {@code kubepods/burstable} ({@code kubepods-burstable.slice}). */
        BURSTABLE,
        /** Under {@code kubepods/besteffort} ({@code kubepods-besteffort.slice}). */
        BEST_EFFORT
    }

    /**
     * The runtime that made a kubelet pod's container cgroups, which decides their names:
     * {@code kubeletSystemdPod(Qos.BEST_EFFORT, ContainerRuntime.CRIO, uid, id)} makes {@code .../crio-<id>.scope}.
     */
    public enum ContainerRuntime {
        /** Docker (dockershim, cri-dockerd): {@code <id>} (cgroupfs), {@code docker-<id>.scope} (systemd). */
        DOCKER,
        /** containerd's CRI plugin: {@code <id>} (cgroupfs), {@code cri-containerd-<id>.scope} (systemd). */
        CONTAINERD,
        /** CRI-O: {@code crio-<id>} (cgroupfs), {@code crio-<id>.scope} (systemd). */
        CRIO
    }

    /**
     * What one memory cgroup's files show. Immutable: every method returns a new value.
     *
     * <pre>{@code
     * fixture.cgroup("/docker/" + id, m -> m.usage(64 << 20).kmem(1 << 20).tasks(3).limit(256 << 20));
     * fixture.cgroup("/odd", m -> m.file("memory.usage_in_bytes", "12x4\n").without("memory.stat"));
     * }</pre>
     */
    public static final class Memcg {
        private static final Memcg CGROUP = new Memcg(4L << 20, 0, -1, 0, Map.of(), Set.of());
        private static final Memcg CONTAINER = new Memcg(32L << 20, 256L << 10, -1, 1, Map.of(), Set.of());
        private static final Memcg ROOT = new Memcg(900L << 20, 0, -1, 0, Map.of(), Set.of());

        // Read by TreeWriter; limit -1 means none.
        final long usage;
        final long kmem;
        final long limit;
        final int tasks;
        final Map<String, String> files;
        final Set<String> omitted;

        private Memcg(long usage, long kmem, long limit, int tasks, Map<String, String> files, Set<String> omitted) {
            this.usage = usage;
            this.kmem = kmem;
            this.limit = limit;
            this.tasks = tasks;
            this.files = files;
            this.omitted = omitted;
        }

        /**
         * A cgroup with the given values, no limit and the kernel's files.
         *
         * @param usageBytes memory usage
         * @param kmemBytes kernel memory charged
         * @param tasks number of processes
         * @return the values
         */
        public static Memcg of(long usageBytes, long kmemBytes, int tasks) {
            return CGROUP.usage(usageBytes).kmem(kmemBytes).tasks(tasks);
        }

        /** Memory usage in bytes ({@code memory.usage_in_bytes}, {@code memory.current}, split over cache and rss in {@code memory.stat}). */
        public Memcg usage(long bytes) {
            return new Memcg(nonNegative(bytes, "usage"), kmem, limit, tasks, files, omitted);
        }

        /** Kernel memory charged in bytes ({@code memory.kmem.usage_in_bytes}; v2: slab, stacks, page tables, {@code kernel}). */
        public Memcg kmem(long bytes) {
            return new Memcg(usage, nonNegative(bytes, "kmem"), limit, tasks, files, omitted);
        }

        /** A memory limit in bytes ({@code memory.limit_in_bytes}, {@code memory.max}); unlimited by default. */
        public Memcg limit(long bytes) {
            return new Memcg(usage, kmem, nonNegative(bytes, "limit"), tasks, files, omitted);
        }

        /** The number of processes listed in {@code cgroup.procs} and {@code tasks} (fake pids, unique in the fixture). */
        public Memcg tasks(int n) {
            return new Memcg(usage, kmem, limit, (int) nonNegative(n, "tasks"), files, omitted);
        }

        /**
         * Writes {@code content} verbatim instead of what the kernel would (garbage, odd formats, other files).
         *
         * @param name a file name in the cgroup's directory, e.g. {@code memory.stat}
         * @param content the exact bytes to write (UTF-8), usually ending in a newline
         * @return the new values
         */
        public Memcg file(String name, String content) {
            checkFileName(name);
            Objects.requireNonNull(content, "content");
            Map<String, String> f = new LinkedHashMap<>(files);
            f.put(name, content);
            Set<String> o = new LinkedHashSet<>(omitted);
            o.remove(name);
            return new Memcg(usage, kmem, limit, tasks, Collections.unmodifiableMap(f), Collections.unmodifiableSet(o));
        }

        /**
         * Leaves a file out, as an older kernel or a kernel without a config option would.
         *
         * @param name a file name in the cgroup's directory, e.g. {@code memory.kmem.usage_in_bytes}
         * @return the new values
         */
        public Memcg without(String name) {
            checkFileName(name);
            Map<String, String> f = new LinkedHashMap<>(files);
            f.remove(name);
            Set<String> o = new LinkedHashSet<>(omitted);
            o.add(name);
            return new Memcg(usage, kmem, limit, tasks, Collections.unmodifiableMap(f), Collections.unmodifiableSet(o));
        }

        private static long nonNegative(long v, String what) {
            if (v < 0) {
                throw new IllegalArgumentException(what + " must be 0 or more, got " + v);
            }
            return v;
        }

        private static void checkFileName(String name) {
            if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("not a file name in a cgroup directory: '" + name + "'");
            }
        }
    }

    // Set only on a fresh copy before it is returned, so a fixture never changes once seen; read by TreeWriter.
    final KernelVersion kernel;
    Hierarchy hierarchy = Hierarchy.V1;
    String cmdline;
    boolean swapAccounting = true;
    long dying;
    boolean cgroupMounts = true;
    Memcg containerDefaults = Memcg.CONTAINER;
    Map<String, Memcg> cgroups = new LinkedHashMap<>();
    Map<String, String> hostFiles = new LinkedHashMap<>();

    private CgroupFixture(KernelVersion kernel) {
        this.kernel = kernel;
        this.cmdline = "BOOT_IMAGE=/boot/vmlinuz-" + kernel.release() + " root=/dev/sda1 ro quiet";
        cgroups.put("/", Memcg.ROOT);
    }

    private CgroupFixture copy() {
        CgroupFixture c = new CgroupFixture(kernel);
        c.hierarchy = hierarchy;
        c.cmdline = cmdline;
        c.swapAccounting = swapAccounting;
        c.dying = dying;
        c.cgroupMounts = cgroupMounts;
        c.containerDefaults = containerDefaults;
        c.cgroups = new LinkedHashMap<>(cgroups);
        c.hostFiles = new LinkedHashMap<>(hostFiles);
        return c;
    }

    /**
     * A host running kernel {@code release} with the v1 hierarchy and only the root memory cgroup.
     *
     * @param release as in {@code uname -r}, e.g. {@code 5.10.0-28-amd64}
     * @return the fixture
     * @throws IllegalArgumentException when {@code release} does not start with a version number
     */
    public static CgroupFixture kernel(String release) {
        Objects.requireNonNull(release, "release");
        KernelVersion k;
        try {
            k = KernelVersion.parse(release);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a kernel release (as uname -r prints it): '" + release + "'", e);
        }
        return new CgroupFixture(k);
    }

    /**
     * A RHEL/CentOS 7 kubelet node ({@code 3.10.0-1160.el7.x86_64}, v1) close to the memcg ID limit: kmem accounting
     * is active (the container {@link #EL7_CONTAINER_ID} of the burstable pod {@link #EL7_POD_UID}, cgroupfs driver,
     * charges 256 KiB of kernel memory, as runc's kmem limit write made it) and the kernel still holds
     * {@link #NEARLY_FULL_DYING} removed memory cgroups, so {@code /proc/cgroups} counts 65,405 of the 65,535 IDs.
     * On this kernel dying cgroups keep their IDs, so the next few hundred {@code mkdir}s fail with {@code ENOSPC}.
     *
     * @return the fixture; add cgroups to it as to any other
     */
    public static CgroupFixture kernel310KmemNearlyFull() {
        return kernel("3.10.0-1160.el7.x86_64")
                .cmdline(
                        "BOOT_IMAGE=/vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto rhgb quiet")
                .kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, EL7_POD_UID, EL7_CONTAINER_ID)
                .dying(NEARLY_FULL_DYING);
    }

    /** A Debian 10 host ({@code 4.19.0-21-amd64}, v1): kmem charged by every cgroup, memcg IDs recycled on removal. */
    public static CgroupFixture kernel419() {
        return kernel("4.19.0-21-amd64").cmdline("BOOT_IMAGE=/boot/vmlinuz-4.19.0-21-amd64 root=/dev/sda1 ro quiet");
    }

    /** A Debian 12 host ({@code 6.1.0-18-amd64}) booted with {@code systemd.unified_cgroup_hierarchy=0}: v1 on 6.x. */
    public static CgroupFixture kernel61V1() {
        return kernel("6.1.0-18-amd64")
                .cmdline(
                        "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/sda1 ro quiet systemd.unified_cgroup_hierarchy=0");
    }

    /** A Debian 12 host ({@code 6.1.0-18-amd64}) with the unified cgroup v2 hierarchy, the default of current distributions. */
    public static CgroupFixture kernel61V2() {
        return kernel("6.1.0-18-amd64").v2().cmdline("BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/sda1 ro quiet");
    }

    /** An Ubuntu 20.04 host with the HWE kernel ({@code 5.15.0-91-generic}) and systemd's hybrid hierarchy. */
    public static CgroupFixture kernel515Hybrid() {
        return kernel("5.15.0-91-generic")
                .hybrid()
                .cmdline(
                        "BOOT_IMAGE=/boot/vmlinuz-5.15.0-91-generic root=UUID=2f1c0e9a-7d4b-4c1e-9a55-3b2f6e0d8c11 ro quiet splash");
    }

    /** The same host with the v1 hierarchy. */
    public CgroupFixture v1() {
        return hierarchy(Hierarchy.V1);
    }

    /** The same host with the unified v2 hierarchy. */
    public CgroupFixture v2() {
        return hierarchy(Hierarchy.V2);
    }

    /** The same host with systemd's hybrid hierarchy (memory on v1). */
    public CgroupFixture hybrid() {
        return hierarchy(Hierarchy.HYBRID);
    }

    /**
     * The same host with another hierarchy.
     *
     * @param h how the cgroup filesystems are mounted
     * @return the new fixture
     */
    public CgroupFixture hierarchy(Hierarchy h) {
        CgroupFixture c = copy();
        c.hierarchy = Objects.requireNonNull(h, "hierarchy");
        return c;
    }

    /**
     * The kernel command line ({@code proc/cmdline}), e.g. with {@code cgroup.memory=nokmem}.
     *
     * @param line the whole command line, without the trailing newline
     * @return the new fixture
     */
    public CgroupFixture cmdline(String line) {
        if (line == null || line.contains("\n")) {
            throw new IllegalArgumentException(
                    "a kernel command line is one line, got " + (line == null ? "null" : "'" + line + "'"));
        }
        CgroupFixture c = copy();
        c.cmdline = line;
        return c;
    }

    /** The same host without swap accounting: no {@code memory.memsw.*} files and no {@code swap} in v1 {@code memory.stat}. */
    public CgroupFixture noSwapAccounting() {
        CgroupFixture c = copy();
        c.swapAccounting = false;
        return c;
    }

    /** A root with {@code proc} but no cgroup mount at all, as when a tool is pointed at the wrong directory. */
    public CgroupFixture noCgroupMounts() {
        CgroupFixture c = copy();
        c.cgroupMounts = false;
        return c;
    }

    /**
     * Removed memory cgroups the kernel still holds: v1 counts them in {@code /proc/cgroups}, v2 in the root's
     * {@code cgroup.stat} ({@code nr_dying_descendants}, and {@code nr_dying_subsys_memory} from 6.13).
     *
     * @param n how many (replaces the previous number)
     * @return the new fixture
     */
    public CgroupFixture dying(long n) {
        CgroupFixture c = copy();
        c.dying = Memcg.nonNegative(n, "dying");
        return c;
    }

    /**
     * Adds a memory cgroup with default values (4 MiB usage, no kmem, no tasks), and its missing parents.
     *
     * @param path an absolute cgroup path such as {@code /system.slice/app.service}
     * @return the new fixture
     */
    public CgroupFixture cgroup(String path) {
        return cgroup(path, m -> m);
    }

    /**
     * Adds a memory cgroup (and its missing parents), or changes one already added.
     *
     * @param path an absolute cgroup path such as {@code /system.slice/app.service}
     * @param values from the current values (defaults for a new cgroup) to the wanted ones, e.g. {@code m -> m.kmem(4096)}
     * @return the new fixture
     */
    public CgroupFixture cgroup(String path, UnaryOperator<Memcg> values) {
        ContainerPaths.checkCgroupPath(path);
        CgroupFixture c = copy();
        c.addParents(path);
        Memcg m = Objects.requireNonNull(
                values.apply(c.cgroups.getOrDefault(path, Memcg.CGROUP)), "values returned null");
        c.cgroups.put(path, m);
        return c;
    }

    /**
     * Changes the root cgroup's values (900 MiB usage by default). On v2 the root has no {@code memory.current}.
     *
     * @param values from the current values to the wanted ones
     * @return the new fixture
     */
    public CgroupFixture root(UnaryOperator<Memcg> values) {
        CgroupFixture c = copy();
        c.cgroups.put("/", Objects.requireNonNull(values.apply(cgroups.get("/")), "values returned null"));
        return c;
    }

    /**
     * The values of container cgroups added after this call (32 MiB usage, 256 KiB kmem, 1 task by default).
     *
     * @param values from the current defaults to the wanted ones
     * @return the new fixture
     */
    public CgroupFixture containerDefaults(UnaryOperator<Memcg> values) {
        CgroupFixture c = copy();
        c.containerDefaults = Objects.requireNonNull(values.apply(containerDefaults), "values returned null");
        return c;
    }

    /**
     * A kubelet pod with the cgroupfs driver: {@code /kubepods[/burstable|/besteffort]/pod<uid>} and, per container,
     * {@code <id>} (Docker, containerd) or {@code crio-<id>} (CRI-O) below it.
     *
     * @param qos the pod's QoS class
     * @param runtime the container runtime
     * @param podUid the pod's UID with dashes, e.g. {@code 0f6cbd87-5b9e-4c5e-9b1a-1d2f3e4a5b6c}
     * @param containerIds container ids (12 to 64 lowercase hex digits), each with {@link #containerDefaults} values
     * @return the new fixture
     */
    public CgroupFixture kubeletCgroupfsPod(Qos qos, ContainerRuntime runtime, String podUid, String... containerIds) {
        return withContainers(ContainerPaths.kubeletCgroupfsPod(qos, runtime, podUid), containerIds);
    }

    /**
     * A kubelet pod with the systemd driver: {@code /kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid>.slice}
     * (dashes of the UID turned into underscores) and, per container, {@code docker-<id>.scope},
     * {@code cri-containerd-<id>.scope} or {@code crio-<id>.scope} below it.
     *
     * @param qos the pod's QoS class
     * @param runtime the container runtime
     * @param podUid the pod's UID with dashes
     * @param containerIds container ids (12 to 64 lowercase hex digits), each with {@link #containerDefaults} values
     * @return the new fixture
     */
    public CgroupFixture kubeletSystemdPod(Qos qos, ContainerRuntime runtime, String podUid, String... containerIds) {
        return withContainers(ContainerPaths.kubeletSystemdPod(qos, runtime, podUid), containerIds);
    }

    /**
     * A Docker container with the cgroupfs driver: {@code /docker/<id>}, with {@link #containerDefaults} values.
     *
     * @param id the container id (12 to 64 lowercase hex digits)
     * @return the new fixture
     */
    public CgroupFixture dockerContainer(String id) {
        return withContainers(new ContainerPaths.Layout("/docker", "", ""), id);
    }

    /**
     * A Docker container with the systemd driver: {@code /system.slice/docker-<id>.scope}.
     *
     * @param id the container id (12 to 64 lowercase hex digits)
     * @return the new fixture
     */
    public CgroupFixture dockerSystemdContainer(String id) {
        return withContainers(new ContainerPaths.Layout("/system.slice", "docker-", ".scope"), id);
    }

    /**
     * A container started by containerd itself (ctr, nerdctl; cgroupfs): {@code /<namespace>/<id>}.
     *
     * @param namespace the containerd namespace, e.g. {@code default} or {@code k8s.io}
     * @param id the container id (12 to 64 lowercase hex digits)
     * @return the new fixture
     */
    public CgroupFixture containerdContainer(String namespace, String id) {
        return withContainers(ContainerPaths.containerd(namespace), id);
    }

    /**
     * Writes {@code content} to a file of the host tree after everything else, e.g. {@code proc/cgroups} with garbage.
     *
     * @param relativePath a path below the root, e.g. {@code proc/cgroups} or {@code sys/fs/cgroup/cgroup.controllers}
     * @param content the exact bytes to write (UTF-8)
     * @return the new fixture
     */
    public CgroupFixture hostFile(String relativePath, String content) {
        Objects.requireNonNull(content, "content");
        Path p = relativePath == null ? null : Path.of(relativePath);
        if (p == null
                || relativePath.isEmpty()
                || p.isAbsolute()
                || !p.normalize().equals(p)
                || p.startsWith("..")) {
            throw new IllegalArgumentException("not a path below the fixture root: '" + relativePath + "'");
        }
        CgroupFixture c = copy();
        c.hostFiles.put(relativePath, content);
        return c;
    }

    /** The kernel this host runs. */
    public KernelVersion kernelVersion() {
        return kernel;
    }

    /** The hierarchy this host mounts. */
    public Hierarchy layout() {
        return hierarchy;
    }

    /** Every live memory cgroup path, the root {@code /} first, parents before children. */
    public List<String> cgroupPaths() {
        return List.copyOf(cgroups.keySet());
    }

    /** What {@code /proc/cgroups} (v1) or the root's {@code cgroup.stat} (v2) will count: live plus dying memory cgroups. */
    public long memoryCgroupCount() {
        return cgroups.size() + dying;
    }

    /**
     * Writes the tree under {@code dir} and returns {@code dir}, the root to hand to the code under test. On failure
     * nothing is left in {@code dir}.
     *
     * @param dir an empty or missing directory (a JUnit {@code @TempDir} or a subdirectory of one); never a real
     *            {@code /}, {@code /proc}, {@code /sys} or {@code /dev}
     * @return {@code dir}
     * @throws IllegalArgumentException when {@code dir} is not empty or is a system directory
     * @throws UncheckedIOException when a file cannot be written (naming it)
     */
    public Path build(Path dir) {
        Path target = FixtureDirectory.check(dir);
        try {
            new TreeWriter(this, target).write();
            return dir;
        } catch (IOException | RuntimeException e) {
            FixtureDirectory.deleteContents(target, e);
            if (e instanceof IOException io) {
                throw new UncheckedIOException(
                        "cannot write the cgroup fixture under " + target + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    private CgroupFixture withContainers(ContainerPaths.Layout layout, String... ids) {
        CgroupFixture c = copy();
        c.addParents(layout.parent());
        c.cgroups.putIfAbsent(layout.parent(), Memcg.CGROUP);
        for (String id : ids) {
            c.cgroups.put(layout.container(id), containerDefaults);
        }
        return c;
    }

    private void addParents(String path) {
        int slash = path.indexOf('/', 1);
        while (slash > 0) {
            cgroups.putIfAbsent(path.substring(0, slash), Memcg.CGROUP);
            slash = path.indexOf('/', slash + 1);
        }
    }
}
