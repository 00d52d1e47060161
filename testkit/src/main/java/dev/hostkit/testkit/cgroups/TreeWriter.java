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

/** Writes one {@link CgroupFixture} as files, in the formats of the fixture's kernel: /proc, the mounts, each cgroup. */
final class TreeWriter {
    /** A v1 mount: its directory under /sys/fs/cgroup and the controllers (super options) it carries. */
    private record V1Mount(String dir, List<String> controllers) {}

    private final CgroupFixture f;
    private final KernelVersion k;
    private final Path root;
    private final V1MemoryFiles v1;
    private final V2MemoryFiles v2;
    private int nextPid = 1000;

    TreeWriter(CgroupFixture fixture, Path root) {
        this.f = fixture;
        this.k = fixture.kernel;
        this.root = root;
        this.v1 = new V1MemoryFiles(k, fixture.swapAccounting);
        this.v2 = new V2MemoryFiles(k, fixture.cgroups.keySet(), fixture.dying);
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
        V2MemoryFiles.addIf(c, k.atLeast(4, 3) || k.release().contains(".el7"), "pids");
        V2MemoryFiles.addIf(c, k.atLeast(4, 11), "rdma");
        V2MemoryFiles.addIf(c, k.atLeast(5, 13), "misc");
        return c;
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
            String pids = pids(m.tasks);
            Map<String, String> files = hierarchy() == Hierarchy.V2 ? v2.files(path, m, pids) : v1.files(path, m, pids);
            files.putAll(m.files);
            for (Map.Entry<String, String> file : files.entrySet()) {
                if (!m.omitted.contains(file.getKey())) {
                    Files.writeString(dir.resolve(file.getKey()), file.getValue());
                }
            }
        }
    }

    private String pids(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(nextPid++).append('\n');
        }
        return b.toString();
    }
}
