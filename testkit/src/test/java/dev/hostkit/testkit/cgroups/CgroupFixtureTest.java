package dev.hostkit.testkit.cgroups;

import dev.hostkit.core.MountInfo;
import dev.hostkit.core.ProcFs;
import dev.hostkit.testkit.cgroups.CgroupFixture.ContainerRuntime;
import dev.hostkit.testkit.cgroups.CgroupFixture.Hierarchy;
import dev.hostkit.testkit.cgroups.CgroupFixture.Qos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The files a fixture writes have the kernel's names and formats; the builder is immutable and checks its input. */
class CgroupFixtureTest {
    private static final String POD = "7a1e2f3d-aaaa-4bbb-8ccc-0123456789ab";
    private static final String ID = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";

    @TempDir
    Path dir;

    /** /proc/cgroups as parsed by its header: subsys_name -> {hierarchy, num_cgroups, enabled}. */
    private static Map<String, long[]> procCgroups(Path root) throws IOException {
        List<String> lines = Files.readAllLines(root.resolve("proc/cgroups"));
        assertThat(lines.get(0)).isEqualTo("#subsys_name\thierarchy\tnum_cgroups\tenabled");
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            assertThat(f).as("four tab-separated columns: %s", line).hasSize(4);
            out.put(f[0], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
        }
        return out;
    }

    /** A flat-keyed file ({@code memory.stat}, {@code cgroup.stat}): every line is {@code key value} with a number. */
    private static Map<String, Long> keyed(Path file) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ");
            assertThat(f).as("'key value' in %s: %s", file.getFileName(), line).hasSize(2);
            assertThat(f[0]).matches("[a-z_]+");
            long v = Long.parseLong(f[1]);
            assertThat(v).isNotNegative();
            assertThat(out.put(f[0], v)).as("duplicate key %s", f[0]).isNull();
        }
        return out;
    }

    @Test
    void kernel310NearlyFullCountsLiveAndDyingMemcgsInProcCgroupsAndChargesKmem() throws Exception {
        CgroupFixture f = CgroupFixture.kernel310KmemNearlyFull();
        Path root = f.build(dir);

        Map<String, long[]> cg = procCgroups(root);
        assertThat(cg.keySet())
                .containsExactly(
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
                        "hugetlb",
                        "pids");
        assertThat(cg.get("memory")[1])
                .isEqualTo(5 + CgroupFixture.NEARLY_FULL_DYING)
                .isEqualTo(f.memoryCgroupCount());
        assertThat(cg.get("memory")[0]).isPositive();
        assertThat(cg.get("cpu")[0]).isEqualTo(cg.get("cpuacct")[0]);
        assertThat(65_535 - cg.get("memory")[1]).isEqualTo(130);

        Path mem = root.resolve("sys/fs/cgroup/memory");
        Path container = mem.resolve(
                "kubepods/burstable/pod" + CgroupFixture.EL7_POD_UID + "/" + CgroupFixture.EL7_CONTAINER_ID);
        assertThat(Files.readString(container.resolve("memory.kmem.usage_in_bytes")))
                .isEqualTo((256 << 10) + "\n");
        assertThat(Files.readString(container.resolve("memory.kmem.slabinfo"))).startsWith("slabinfo - version: 2.1\n");
        assertThat(mem.resolve("kubepods/memory.kmem.slabinfo")).doesNotExist(); // EIO on a cgroup that charges nothing
        assertThat(Files.readString(container.resolve("memory.limit_in_bytes"))).isEqualTo(Long.MAX_VALUE + "\n");
        assertThat(Files.readString(container.resolve("memory.oom_control")))
                .isEqualTo("oom_kill_disable 0\nunder_oom 0\n");
        assertThat(Files.readString(root.resolve("proc/sys/kernel/osrelease"))).isEqualTo("3.10.0-1160.el7.x86_64\n");
        assertThat(ProcFs.at(root).kernelVersion().release()).isEqualTo("3.10.0-1160.el7.x86_64");

        Map<String, Long> stat = keyed(container.resolve("memory.stat"));
        assertThat(stat)
                .containsKeys(
                        "cache",
                        "rss",
                        "rss_huge",
                        "mapped_file",
                        "swap",
                        "pgpgin",
                        "pgpgout",
                        "pgfault",
                        "pgmajfault",
                        "inactive_anon",
                        "active_anon",
                        "inactive_file",
                        "active_file",
                        "unevictable",
                        "hierarchical_memory_limit",
                        "hierarchical_memsw_limit",
                        "total_cache",
                        "total_rss",
                        "total_unevictable")
                .doesNotContainKeys("shmem", "dirty", "workingset_refault_file");
        assertThat(stat.get("cache") + stat.get("rss")).isEqualTo(32L << 20);
        assertThat(stat.get("hierarchical_memory_limit")).isEqualTo(Long.MAX_VALUE);
        for (String key : stat.keySet()) {
            if (!key.startsWith("total_") && !key.startsWith("hierarchical_")) {
                assertThat(stat).containsKey("total_" + key);
            }
        }
    }

    @Test
    void mountinfoParsesAndNamesTheMemoryMountForEachHierarchy() throws Exception {
        Path v1 = CgroupFixture.kernel419().build(dir.resolve("v1"));
        List<MountInfo> m1 = ProcFs.at(v1).mountInfo();
        assertThat(m1)
                .filteredOn(m -> m.fsType().equals("cgroup") && m.hasSuperOption("memory"))
                .singleElement()
                .extracting(MountInfo::mountPoint)
                .hasToString("/sys/fs/cgroup/memory");
        assertThat(m1).noneMatch(m -> m.fsType().equals("cgroup2"));
        assertThat(m1)
                .filteredOn(m -> m.fsType().equals("cgroup"))
                .allSatisfy(m -> assertThat(v1.resolve(m.mountPoint().toString().substring(1)))
                        .isDirectory());

        Path v2 = CgroupFixture.kernel61V2().build(dir.resolve("v2"));
        List<MountInfo> m2 = ProcFs.at(v2).mountInfo();
        assertThat(m2)
                .filteredOn(m -> m.fsType().startsWith("cgroup"))
                .singleElement()
                .satisfies(m -> assertThat(m.fsType()).isEqualTo("cgroup2"))
                .extracting(MountInfo::mountPoint)
                .hasToString("/sys/fs/cgroup");
        assertThat(Files.readString(v2.resolve("sys/fs/cgroup/cgroup.controllers"))
                        .strip()
                        .split(" "))
                .contains("memory");
        assertThat(procCgroups(v2).values()).allSatisfy(c -> assertThat(c[0]).isZero());

        Path hybrid = CgroupFixture.kernel515Hybrid().build(dir.resolve("hybrid"));
        List<MountInfo> mh = ProcFs.at(hybrid).mountInfo();
        assertThat(mh)
                .filteredOn(m -> m.fsType().equals("cgroup2"))
                .singleElement()
                .extracting(MountInfo::mountPoint)
                .hasToString("/sys/fs/cgroup/unified");
        assertThat(mh).anyMatch(m -> m.fsType().equals("cgroup") && m.hasSuperOption("memory"));
        assertThat(Files.readString(hybrid.resolve("sys/fs/cgroup/unified/cgroup.controllers")))
                .isEqualTo("\n");
        assertThat(procCgroups(hybrid).keySet()).contains("rdma", "misc");
    }

    @Test
    void v1StatGainsItemsWithTheKernelAndKeepsThe6154KmemLimitQuirk() throws Exception {
        Path k419 = CgroupFixture.kernel419().dockerContainer(ID).build(dir.resolve("419"));
        Map<String, Long> s419 = keyed(k419.resolve("sys/fs/cgroup/memory/docker/" + ID + "/memory.stat"));
        assertThat(s419)
                .containsKeys("shmem", "dirty", "writeback")
                .doesNotContainKeys("workingset_refault_anon", "swapcached");
        assertThat(Files.readString(k419.resolve("sys/fs/cgroup/memory/docker/" + ID + "/memory.oom_control")))
                .endsWith("oom_kill 0\n");
        assertThat(Files.readString(k419.resolve("sys/fs/cgroup/memory/docker/" + ID + "/memory.limit_in_bytes")))
                .isEqualTo("9223372036854771712\n");

        Path k61 = CgroupFixture.kernel61V1().dockerContainer(ID).build(dir.resolve("61"));
        Path c61 = k61.resolve("sys/fs/cgroup/memory/docker/" + ID);
        assertThat(keyed(c61.resolve("memory.stat")))
                .containsKeys("workingset_refault_anon", "workingset_refault_file", "swapcached", "total_swapcached");
        assertThat(Files.readString(c61.resolve("memory.kmem.slabinfo"))).isEmpty();
        assertThat(c61.resolve("memory.kmem.limit_in_bytes")).exists();
        assertThat(Files.readString(k61.resolve("proc/cmdline"))).contains("systemd.unified_cgroup_hierarchy=0");

        Path k6154 = CgroupFixture.kernel("6.1.54").dockerContainer(ID).build(dir.resolve("6154"));
        assertThat(k6154.resolve("sys/fs/cgroup/memory/docker/" + ID + "/memory.kmem.limit_in_bytes"))
                .doesNotExist();
        assertThat(k6154.resolve("sys/fs/cgroup/memory/docker/" + ID + "/memory.kmem.usage_in_bytes"))
                .exists();
    }

    @Test
    void v2WritesCgroupStatAndMemoryFilesWithKernelItemFrom518() throws Exception {
        CgroupFixture base = CgroupFixture.kernel61V2()
                .kubeletSystemdPod(Qos.BURSTABLE, ContainerRuntime.CONTAINERD, POD, ID)
                .dying(42);
        Path root = base.build(dir.resolve("61"));
        Path cg = root.resolve("sys/fs/cgroup");
        Map<String, Long> rootStat = keyed(cg.resolve("cgroup.stat"));
        assertThat(rootStat).containsExactly(Map.entry("nr_descendants", 4L), Map.entry("nr_dying_descendants", 42L));
        assertThat(cg.resolve("memory.current")).doesNotExist();
        String scope = "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + POD.replace('-', '_')
                + ".slice/cri-containerd-" + ID + ".scope";
        Path c = cg.resolve(scope);
        assertThat(Files.readString(c.resolve("memory.current"))).isEqualTo((32 << 20) + "\n");
        assertThat(Files.readString(c.resolve("memory.max"))).isEqualTo("max\n");
        assertThat(keyed(c.resolve("memory.events")))
                .containsOnlyKeys("low", "high", "max", "oom", "oom_kill", "oom_group_kill");
        assertThat(keyed(c.resolve("cgroup.stat"))).containsEntry("nr_descendants", 0L);
        assertThat(keyed(cg.resolve("kubepods.slice/cgroup.stat"))).containsEntry("nr_descendants", 3L);
        Map<String, Long> stat = keyed(c.resolve("memory.stat"));
        assertThat(stat)
                .containsKeys(
                        "anon",
                        "file",
                        "kernel_stack",
                        "pagetables",
                        "slab_reclaimable",
                        "slab_unreclaimable",
                        "slab",
                        "sock",
                        "workingset_refault_file",
                        "pgfault")
                .containsEntry("kernel", 256L << 10);
        assertThat(stat.get("kernel_stack") + stat.get("pagetables") + stat.get("slab"))
                .isEqualTo(256 << 10);
        assertThat(stat.get("anon") + stat.get("file")).isEqualTo(32 << 20);
        assertThat(Files.readString(c.resolve("cgroup.procs")).lines()).hasSize(1);

        Path k510 = CgroupFixture.kernel("5.10.0-28-amd64")
                .v2()
                .cgroup("/a", m -> m.kmem(4096))
                .build(dir.resolve("510"));
        assertThat(keyed(k510.resolve("sys/fs/cgroup/a/memory.stat")))
                .doesNotContainKey("kernel")
                .containsEntry("slab", 2048L);

        Path k613 = CgroupFixture.kernel("6.13.2")
                .v2()
                .cgroup("/a", m -> m.kmem(4096))
                .dying(7)
                .build(dir.resolve("613"));
        Map<String, Long> s613 = keyed(k613.resolve("sys/fs/cgroup/cgroup.stat"));
        assertThat(s613)
                .containsEntry("nr_descendants", 1L)
                .containsEntry("nr_subsys_memory", 2L)
                .containsEntry("nr_dying_descendants", 7L)
                .containsEntry("nr_dying_subsys_memory", 7L);
        assertThat(List.copyOf(s613.keySet()).indexOf("nr_subsys_memory"))
                .isLessThan(List.copyOf(s613.keySet()).indexOf("nr_dying_descendants"));
        assertThat(keyed(k613.resolve("sys/fs/cgroup/a/memory.stat"))).containsEntry("kernel", 4096L);
        assertThat(Files.readString(k613.resolve("sys/fs/cgroup/a/memory.events")))
                .endsWith("oom_group_kill 0\n");
    }

    @Test
    void containersAreNamedAsEachDriverAndRuntimeNamesThem() {
        CgroupFixture f = CgroupFixture.kernel419()
                .kubeletCgroupfsPod(Qos.GUARANTEED, ContainerRuntime.DOCKER, POD, ID)
                .kubeletCgroupfsPod(Qos.BEST_EFFORT, ContainerRuntime.CRIO, POD, ID)
                .kubeletSystemdPod(Qos.GUARANTEED, ContainerRuntime.DOCKER, POD, ID)
                .kubeletSystemdPod(Qos.BEST_EFFORT, ContainerRuntime.CRIO, POD, ID)
                .dockerContainer(ID)
                .dockerSystemdContainer(ID)
                .containerdContainer("k8s.io", ID);
        String u = POD.replace('-', '_');
        assertThat(f.cgroupPaths())
                .containsExactly(
                        "/",
                        "/kubepods",
                        "/kubepods/pod" + POD,
                        "/kubepods/pod" + POD + "/" + ID,
                        "/kubepods/besteffort",
                        "/kubepods/besteffort/pod" + POD,
                        "/kubepods/besteffort/pod" + POD + "/crio-" + ID,
                        "/kubepods.slice",
                        "/kubepods.slice/kubepods-pod" + u + ".slice",
                        "/kubepods.slice/kubepods-pod" + u + ".slice/docker-" + ID + ".scope",
                        "/kubepods.slice/kubepods-besteffort.slice",
                        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + u + ".slice",
                        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + u + ".slice/crio-" + ID
                                + ".scope",
                        "/docker",
                        "/docker/" + ID,
                        "/system.slice",
                        "/system.slice/docker-" + ID + ".scope",
                        "/k8s.io",
                        "/k8s.io/" + ID);
    }

    @Test
    void everyMethodReturnsANewFixtureAndLeavesTheOldOneAsItWas() {
        CgroupFixture base = CgroupFixture.kernel419();
        CgroupFixture more = base.cgroup("/a", m -> m.kmem(1)).dying(5).v2().cmdline("ro");
        assertThat(base.cgroupPaths()).containsExactly("/");
        assertThat(base.memoryCgroupCount()).isEqualTo(1);
        assertThat(base.layout()).isEqualTo(Hierarchy.V1);
        assertThat(more.cgroupPaths()).containsExactly("/", "/a");
        assertThat(more.memoryCgroupCount()).isEqualTo(7);
        assertThat(more.layout()).isEqualTo(Hierarchy.V2);
    }

    @Test
    void customValuesFilesAndOmissionsAreWrittenVerbatim() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0-28-amd64")
                .containerDefaults(m -> m.usage(1 << 20).kmem(0).tasks(3))
                .dockerContainer(ID)
                .cgroup(
                        "/odd",
                        m -> m.usage(5)
                                .limit(1 << 30)
                                .tasks(2)
                                .file("memory.usage_in_bytes", "12x4\n")
                                .without("memory.stat"))
                .root(m -> m.usage(7))
                .noSwapAccounting()
                .hostFile("proc/cgroups", "garbage\n")
                .build(dir);
        Path mem = root.resolve("sys/fs/cgroup/memory");
        assertThat(Files.readString(mem.resolve("odd/memory.usage_in_bytes"))).isEqualTo("12x4\n");
        assertThat(Files.readString(mem.resolve("odd/memory.limit_in_bytes"))).isEqualTo((1 << 30) + "\n");
        assertThat(mem.resolve("odd/memory.stat")).doesNotExist();
        assertThat(mem.resolve("odd/memory.memsw.usage_in_bytes")).doesNotExist();
        assertThat(Files.readString(mem.resolve("memory.usage_in_bytes"))).isEqualTo("7\n");
        assertThat(Files.readString(mem.resolve("docker/" + ID + "/memory.usage_in_bytes")))
                .isEqualTo((1 << 20) + "\n");
        assertThat(Files.readString(mem.resolve("docker/" + ID + "/tasks")).lines())
                .hasSize(3);
        assertThat(keyed(mem.resolve("docker/" + ID + "/memory.stat")))
                .doesNotContainKeys("swap", "hierarchical_memsw_limit");
        assertThat(Files.readString(root.resolve("proc/cgroups"))).isEqualTo("garbage\n");
        // fake pids are unique across the tree
        List<String> pids = new ArrayList<>(Files.readAllLines(mem.resolve("odd/cgroup.procs")));
        pids.addAll(Files.readAllLines(mem.resolve("docker/" + ID + "/cgroup.procs")));
        assertThat(pids).doesNotHaveDuplicates().hasSize(5);
    }

    @Test
    void writesOnlyDirectoriesAndRegularFilesBelowTheRoot() throws Exception {
        Path root = CgroupFixture.kernel515Hybrid().dockerSystemdContainer(ID).build(dir.resolve("tree"));
        try (Stream<Path> all = Files.walk(root)) {
            assertThat(all).allSatisfy(p -> {
                assertThat(p.startsWith(root)).isTrue();
                assertThat(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                                || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                        .as("%s is a plain file or directory", p)
                        .isTrue();
            });
        }
        assertThat(dir).isDirectoryContaining(p -> p.getFileName().toString().equals("tree"));
        try (Stream<Path> top = Files.list(dir)) {
            assertThat(top).hasSize(1);
        }
    }

    @Test
    void noCgroupMountsLeavesOnlyProc() throws Exception {
        Path root = CgroupFixture.kernel419().noCgroupMounts().build(dir);
        assertThat(root.resolve("sys")).doesNotExist();
        assertThat(ProcFs.at(root).mountInfo()).noneMatch(m -> m.fsType().startsWith("cgroup"));
    }

    @Test
    void refusesNonEmptyAndSystemDirectoriesBeforeWritingAnything() throws Exception {
        Files.writeString(dir.resolve("x"), "x");
        assertThatThrownBy(() -> CgroupFixture.kernel419().build(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not empty");
        assertThat(dir.resolve("proc")).doesNotExist();
        assertThatThrownBy(() -> CgroupFixture.kernel419().build(Path.of("/sys/fs/cgroup/hk-fixture")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("under /sys");
        assertThatThrownBy(() -> CgroupFixture.kernel419().build(Path.of("/")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("@TempDir");
    }

    @Test
    void badInputIsRejectedWithWhatWasWrong() {
        CgroupFixture f = CgroupFixture.kernel419();
        assertThatThrownBy(() -> CgroupFixture.kernel("linux")).hasMessageContaining("'linux'");
        assertThatThrownBy(() -> f.cgroup("relative")).hasMessageContaining("'relative'");
        assertThatThrownBy(() -> f.cgroup("/a/../b")).hasMessageContaining("'/a/../b'");
        assertThatThrownBy(() -> f.cgroup("/")).hasMessageContaining("root(...)");
        assertThatThrownBy(() -> f.dockerContainer("NOTHEX")).hasMessageContaining("'NOTHEX'");
        assertThatThrownBy(() -> f.kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, "pod!", ID))
                .hasMessageContaining("'pod!'");
        assertThatThrownBy(() -> f.cgroup("/a", m -> m.file("../x", ""))).hasMessageContaining("'../x'");
        assertThatThrownBy(() -> f.cgroup("/a", m -> m.usage(-1))).hasMessageContaining("usage must be 0 or more");
        assertThatThrownBy(() -> f.hostFile("/etc/passwd", "")).hasMessageContaining("'/etc/passwd'");
        assertThatThrownBy(() -> f.hostFile("proc/../../x", "")).hasMessageContaining("'proc/../../x'");
        assertThatThrownBy(() -> f.cmdline("a\nb")).hasMessageContaining("one line");
    }
}
