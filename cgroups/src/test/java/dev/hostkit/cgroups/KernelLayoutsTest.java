package dev.hostkit.cgroups;

import dev.hostkit.cgroups.MemoryCensus.IdAccounting;
import dev.hostkit.cgroups.MemoryCensus.Risk;
import dev.hostkit.core.Errno;
import dev.hostkit.testkit.cgroups.CgroupFixture;
import dev.hostkit.testkit.cgroups.CgroupFixture.ContainerRuntime;
import dev.hostkit.testkit.cgroups.CgroupFixture.Qos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The census, kmem verdict and mkdir diagnosis on fixture trees of the kernels the issue names. */
class KernelLayoutsTest {
    private static final String POD_A = "0f6cbd87-5b9e-4c5e-9b1a-1d2f3e4a5b6c";
    private static final String POD_B = "7a1e2f3d-aaaa-4bbb-8ccc-0123456789ab";
    private static final String C1 = "4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a";
    private static final String C2 = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";

    @TempDir
    Path dir;

    @Test
    void kmemReasonCountsOneChargingCgroupInTheSingular() {
        CgroupFs fs = CgroupFs.at(CgroupFixture.kernel310KmemNearlyFull().build(dir)); // one container charges kmem
        KmemVerdict kmem = KmemVerdict.ofHost(fs, MemoryCensus.full(fs));
        assertThat(kmem.reason()).endsWith("; 1 cgroup charges kernel memory");
        assertThat(kmem.evidence()).anySatisfy(e -> assertThat(e).matches("1 of \\d+ cgroups charges kernel memory"));
    }

    @Test
    void rhel7WithKmemActiveAndNearly65535CgroupsIsCriticalAndExplainsEnospc() {
        Path root = CgroupFixture.kernel("3.10.0-1160.el7.x86_64")
                .kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, POD_A, C1)
                .kubeletCgroupfsPod(Qos.BEST_EFFORT, ContainerRuntime.CONTAINERD, POD_B, C2)
                .dying(65_400)
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus census = MemoryCensus.full(fs);

        assertThat(fs.layout()).isEqualTo(CgroupLayout.V1);
        assertThat(census.live()).isEqualTo(8); // /, kubepods, burstable, besteffort, 2 pods, 2 containers
        assertThat(census.dying()).isEqualTo(65_400);
        assertThat(census.procCgroupsCount()).hasValue(65_408);
        assertThat(census.idAccounting()).isEqualTo(IdAccounting.DYING_HOLD_IDS);
        assertThat(census.idHeadroom()).isEqualTo(65_535 - 65_408);
        assertThat(census.risk()).isEqualTo(Risk.CRITICAL);
        assertThat(census.top())
                .extracting(MemoryCensus.CgroupUsage::path)
                .containsExactlyInAnyOrder(
                        "/kubepods/burstable/pod" + POD_A + "/" + C1, "/kubepods/besteffort/pod" + POD_B + "/" + C2);

        KmemVerdict kmem = KmemVerdict.ofHost(fs, census);
        assertThat(kmem.active()).isTrue();
        assertThat(kmem.reason()).contains("before 4.6").contains("2 cgroups charge kernel memory");
        assertThat(kmem.exposed()).isTrue();

        MemoryStats container =
                census.cgroup("/kubepods/burstable/pod" + POD_A + "/" + C1).orElseThrow();
        assertThat(KmemVerdict.ofCgroup(fs, container).active()).isTrue();
        MemoryStats pod = census.cgroup("/kubepods/burstable/pod" + POD_A).orElseThrow();
        KmemVerdict podVerdict = KmemVerdict.ofCgroup(fs, pod);
        assertThat(podVerdict.active()).isFalse();
        assertThat(podVerdict.reason()).contains("before 4.6");

        MkdirDiagnosis d = MkdirDiagnosis.diagnose(
                fs, census, Errno.ENOSPC, fs.memoryRoot().resolve("kubepods/new"));
        assertThat(d.likely()).isTrue();
        assertThat(d.summary()).contains("127 memcg IDs are left").contains("held by removed cgroups");
        assertThat(d.remedies()).hasSize(3);
        assertThat(d.remedies().get(0)).contains("drop_caches");
        assertThat(d.remedies().get(1))
                .contains("cgroup.memory=nokmem")
                .contains("nokmem")
                .contains("rc94");
        assertThat(d.remedies().get(2)).contains("Reboot");
    }

    @Test
    void rhel7StatKeepsThe310FormatAndOomControlWithoutOomKill() {
        Path root = CgroupFixture.kernel("3.10.0-1160.el7.x86_64")
                .cgroup("/docker/" + C1, m -> m.kmem(0))
                .build(dir);
        MemoryStatsV1 s = (MemoryStatsV1)
                CgroupFs.at(root).memoryCgroup("/docker/" + C1).read().orElseThrow();
        assertThat(s.limit()).hasValue(Long.MAX_VALUE); // 3.10 printed LONG_MAX, later kernels round to a page
        assertThat(s.oomControl().oomKill()).isEmpty();
        assertThat(s.stat())
                .containsKeys("cache", "rss", "total_cache", "hierarchical_memory_limit")
                .doesNotContainKey("shmem");
    }

    @Test
    void kernel419AccountsKmemForEveryCgroupButRecyclesIds() {
        Path root = CgroupFixture.kernel("4.19.0-21-amd64")
                .cgroup("/docker/" + C1, m -> m.kmem(0).tasks(1))
                .dying(30_000)
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus census = MemoryCensus.full(fs);
        assertThat(census.idAccounting()).isEqualTo(IdAccounting.RECYCLED_ON_OFFLINE);
        assertThat(census.idsInUse()).isEqualTo(3);
        assertThat(census.idHeadroom()).isEqualTo(65_532);
        assertThat(census.risk()).isEqualTo(Risk.CRITICAL); // 30000 dying >= 20000 by default
        assertThat(census.riskReasons()).anySatisfy(r -> assertThat(r).contains("pin memory"));

        KmemVerdict host = KmemVerdict.ofHost(fs, census);
        assertThat(host.active()).isTrue();
        assertThat(host.reason()).contains("since 4.6");
        assertThat(host.exposed()).isFalse();
        assertThat(KmemVerdict.ofCgroup(fs, census.cgroup("/docker/" + C1).orElseThrow())
                        .reason())
                .contains("by default since 4.6");
        MemoryStatsV1 s = (MemoryStatsV1) census.cgroup("/docker/" + C1).orElseThrow();
        assertThat(s.oomControl().oomKill()).hasValue(0);
        assertThat(s.stat()).containsKey("shmem");

        // A failed mkdir with plenty of IDs left is not memcg exhaustion.
        MkdirDiagnosis d = MkdirDiagnosis.diagnose(
                fs, census, Errno.ENOMEM, fs.memoryRoot().resolve("docker/x"));
        assertThat(d.likely()).isFalse();
        assertThat(d.summary()).startsWith("Not memcg exhaustion");
        assertThat(d.remedies()).isEmpty();
    }

    @Test
    void kernel419ReportsIdExhaustionAsEnomemAndCallsEnospcUnexpected() {
        Path root = CgroupFixture.kernel("4.19.0-21-amd64").build(dir);
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus full = MemoryCensus.counts(fs);
        MemoryCensus nearlyFull = new MemoryCensus(
                full.layout(),
                false,
                full.kernel(),
                65_500,
                10,
                full.procCgroupsCount(),
                IdAccounting.RECYCLED_ON_OFFLINE,
                65_500,
                35,
                Risk.CRITICAL,
                java.util.List.of(),
                java.util.List.of(),
                java.util.List.of(),
                java.util.List.of());
        MkdirDiagnosis enomem = MkdirDiagnosis.diagnose(
                fs, nearlyFull, Errno.ENOMEM, fs.memoryRoot().resolve("a"));
        assertThat(enomem.likely()).isTrue();
        assertThat(enomem.summary()).contains("65500 live");
        MkdirDiagnosis enospc = MkdirDiagnosis.diagnose(
                fs, nearlyFull, Errno.ENOSPC, fs.memoryRoot().resolve("a"));
        assertThat(enospc.evidence()).anySatisfy(e -> assertThat(e).contains("not what this kernel returns"));
        MkdirDiagnosis eexist = MkdirDiagnosis.diagnose(
                fs, nearlyFull, Errno.EEXIST, fs.memoryRoot().resolve("a"));
        assertThat(eexist.likely()).isFalse();
    }

    @Test
    void kernel510WithNokmemIsInactiveAndSlabinfoIsEmpty() {
        Path root = CgroupFixture.kernel("5.10.0-28-amd64")
                .cmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro cgroup.memory=nokmem")
                .cgroup("/system.slice/docker-" + C1 + ".scope", m -> m.tasks(3))
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus census = MemoryCensus.full(fs);
        KmemVerdict host = KmemVerdict.ofHost(fs, census);
        assertThat(host.active()).isFalse();
        assertThat(host.reason()).contains("cgroup.memory=nokmem");
        assertThat(host.evidence()).anySatisfy(e -> assertThat(e).contains("empty (5.9+"));
        assertThat(KmemVerdict.ofCgroup(
                                fs,
                                census.cgroup("/system.slice/docker-" + C1 + ".scope")
                                        .orElseThrow())
                        .active())
                .isFalse();
        assertThat(census.risk()).isEqualTo(Risk.OK);
    }

    @Test
    void kernel6154LacksKmemLimitFileWhichReadsAsAbsentNotAnError() {
        Path root = CgroupFixture.kernel("6.1.54")
                .cgroup("/docker/" + C1, m -> m.kmem(8192))
                .build(dir);
        MemoryStatsV1 s = (MemoryStatsV1)
                CgroupFs.at(root).memoryCgroup("/docker/" + C1).read().orElseThrow();
        assertThat(s.kmemLimit()).isEmpty();
        assertThat(s.kmemUsage()).hasValue(8192);
        assertThat(s.stat()).containsKey("workingset_refault_file");
    }

    @Test
    void kernel66HasKmemLimitFileBackAsNoOp() {
        Path root = CgroupFixture.kernel("6.6.8").cgroup("/docker/" + C1).build(dir);
        MemoryStatsV1 s = (MemoryStatsV1)
                CgroupFs.at(root).memoryCgroup("/docker/" + C1).read().orElseThrow();
        assertThat(s.kmemLimit()).hasValue(9223372036854771712L);
        assertThat(s.limit().getAsLong())
                .isGreaterThanOrEqualTo(dev.hostkit.cgroups.internal.MemcgFiles.V1_UNLIMITED_THRESHOLD);
    }

    @Test
    void missingSwapAccountingLeavesMemswValuesEmpty() {
        Path root =
                CgroupFixture.kernel("5.10.0").noSwapAccounting().cgroup("/a").build(dir);
        MemoryStatsV1 s =
                (MemoryStatsV1) CgroupFs.at(root).memoryCgroup("/a").read().orElseThrow();
        assertThat(s.memswUsage()).isEmpty();
        assertThat(s.memswLimit()).isEmpty();
        assertThat(s.usage()).isPresent();
    }

    @Test
    void cgroupV2CountsDyingFromCgroupStatAndReadsMemoryFiles() {
        Path root = CgroupFixture.kernel("6.1.0-18-amd64")
                .v2()
                .containerDefaults(m -> m.usage(64 << 20).kmem(512 << 10).tasks(2))
                .kubeletSystemdPod(Qos.BURSTABLE, ContainerRuntime.CONTAINERD, POD_A, C1)
                .dying(42)
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        assertThat(fs.layout()).isEqualTo(CgroupLayout.V2);
        assertThat(fs.memoryIsV2()).isTrue();
        MemoryCensus counts = MemoryCensus.counts(fs);
        assertThat(counts.live()).isEqualTo(5);
        assertThat(counts.dying()).isEqualTo(42);
        assertThat(counts.procCgroupsCount()).isEmpty();

        MemoryCensus full = MemoryCensus.full(fs);
        String scope = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + POD_A.replace('-', '_')
                + ".slice/cri-containerd-" + C1 + ".scope";
        MemoryStatsV2 s = (MemoryStatsV2) full.cgroup(scope).orElseThrow();
        assertThat(s.usage()).hasValue(64 << 20);
        assertThat(s.limit()).hasValue(Long.MAX_VALUE);
        assertThat(s.kmemUsage()).hasValue(512 << 10); // the "kernel" item (5.18+)
        assertThat(s.events()).containsEntry("oom_kill", 0L);
        assertThat(s.tasks()).hasValue(2);
        MemoryStatsV2 rootStats = (MemoryStatsV2) full.cgroup("/").orElseThrow();
        assertThat(rootStats.usage()).isEmpty();
        assertThat(KmemVerdict.ofHost(fs, full).reason()).contains("cgroup v2");
    }

    @Test
    void cgroupV2On613CountsMemoryCssesExactly() {
        Path root = CgroupFixture.kernel("6.13.2")
                .v2()
                .cgroup("/a", m -> m.kmem(4096))
                .dying(7)
                .build(dir);
        MemoryCensus full = MemoryCensus.full(CgroupFs.at(root));
        assertThat(full.live()).isEqualTo(2);
        assertThat(full.dying()).isEqualTo(7);
        assertThat(full.cgroup("/a").orElseThrow().kmemUsage()).hasValue(4096); // the "kernel" item (5.18+)
    }

    @Test
    void hybridLayoutUsesTheV1MemoryHierarchy() {
        Path root = CgroupFixture.kernel("5.15.0-91-generic")
                .hybrid()
                .cgroup("/docker/" + C1)
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        assertThat(fs.layout()).isEqualTo(CgroupLayout.HYBRID);
        assertThat(fs.memoryIsV2()).isFalse();
        assertThat(fs.unifiedMount()).hasValue(root.resolve("sys/fs/cgroup/unified"));
        assertThat(MemoryCensus.counts(fs).live()).isEqualTo(3);
    }

    @Test
    void orphansAreTheTopmostCgroupsOfGonePodsAndContainers() {
        Path root = CgroupFixture.kernel("4.19.0")
                .kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, POD_A, C1)
                .kubeletSystemdPod(Qos.GUARANTEED, ContainerRuntime.DOCKER, POD_B, C2)
                .cgroup(
                        "/docker/" + C2.substring(0, 8) + C1.substring(8),
                        m -> m.tasks(4).usage(1 << 20))
                .build(dir);
        MemoryCensus census = MemoryCensus.full(CgroupFs.at(root));
        var orphans = OrphanCgroup.find(census, Set.of(POD_B), Set.of(C2.substring(0, 12)));
        assertThat(orphans)
                .extracting(OrphanCgroup::path)
                .containsExactlyInAnyOrder(
                        "/kubepods/burstable/pod" + POD_A, "/docker/" + C2.substring(0, 8) + C1.substring(8));
        OrphanCgroup pod = orphans.stream()
                .filter(o -> o.owner().podUid() != null)
                .findFirst()
                .orElseThrow();
        assertThat(pod.reason()).contains("pod " + POD_A);
        assertThat(pod.tasks()).isEqualTo(1); // its container's task
        // Unknown live sets judge nothing.
        assertThat(OrphanCgroup.find(census, null, null)).isEmpty();
    }

    @Test
    void containersOfRuntimesTheIdsDoNotCoverAreNeverOrphans() {
        Path root = CgroupFixture.kernel("5.15.0")
                .kubeletSystemdPod(Qos.BURSTABLE, ContainerRuntime.CONTAINERD, POD_A, C1) // kubelet on containerd
                .cgroup("/docker/" + C2, m -> m.usage(1 << 20)) // a Docker container, gone
                .build(dir);
        MemoryCensus census = MemoryCensus.full(CgroupFs.at(root));
        // The Docker Engine knows none of these: only its own gone container is an orphan; the containerd one is not
        // judged (and the pods, unknown to Docker, are not judged either).
        var orphans = OrphanCgroup.find(census, null, Set.of(), Set.of(CgroupOwner.Runtime.DOCKER));
        assertThat(orphans).extracting(OrphanCgroup::path).containsExactly("/docker/" + C2);
        // The three-argument form judges every runtime against the one list.
        assertThat(OrphanCgroup.find(census, null, Set.of())).hasSize(2);
    }

    @Test
    void kubeletCgroupfsContainersAreJudgedWithTheirPods() {
        Path root = CgroupFixture.kernel("4.19.0")
                .kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, POD_A, C1) // path does not name the runtime
                .build(dir);
        MemoryCensus census = MemoryCensus.full(CgroupFs.at(root));
        assertThat(OrphanCgroup.find(census, Set.of(POD_A), Set.of(), Set.of(CgroupOwner.Runtime.DOCKER)))
                .extracting(OrphanCgroup::path)
                .containsExactly("/kubepods/burstable/pod" + POD_A + "/" + C1);
        assertThat(OrphanCgroup.find(census, null, Set.of(), Set.of(CgroupOwner.Runtime.DOCKER)))
                .isEmpty();
    }

    @Test
    void testkitRhel7PresetIsCriticalWithKmemActiveAndExposed() {
        Path root = CgroupFixture.kernel310KmemNearlyFull().build(dir);
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus census = MemoryCensus.full(fs);
        assertThat(census.procCgroupsCount()).hasValue(5 + CgroupFixture.NEARLY_FULL_DYING);
        assertThat(census.idHeadroom()).isEqualTo(130);
        assertThat(census.risk()).isEqualTo(Risk.CRITICAL);
        KmemVerdict kmem = KmemVerdict.ofHost(fs, census);
        assertThat(kmem.active()).isTrue();
        assertThat(kmem.exposed()).isTrue();
        assertThat(census.top())
                .extracting(MemoryCensus.CgroupUsage::path)
                .containsExactly(
                        "/kubepods/burstable/pod" + CgroupFixture.EL7_POD_UID + "/" + CgroupFixture.EL7_CONTAINER_ID);
    }

    @Test
    void testkitPresetsHaveTheLayoutsTheyName() {
        assertThat(CgroupFs.at(CgroupFixture.kernel419().build(dir.resolve("419")))
                        .layout())
                .isEqualTo(CgroupLayout.V1);
        assertThat(CgroupFs.at(CgroupFixture.kernel61V1().build(dir.resolve("61v1")))
                        .layout())
                .isEqualTo(CgroupLayout.V1);
        CgroupFs v2 = CgroupFs.at(CgroupFixture.kernel61V2().build(dir.resolve("61v2")));
        assertThat(v2.layout()).isEqualTo(CgroupLayout.V2);
        assertThat(v2.memoryIsV2()).isTrue();
        CgroupFs hybrid = CgroupFs.at(CgroupFixture.kernel515Hybrid().build(dir.resolve("hybrid")));
        assertThat(hybrid.layout()).isEqualTo(CgroupLayout.HYBRID);
        assertThat(hybrid.memoryIsV2()).isFalse();
        assertThat(MemoryCensus.full(hybrid).problems()).isEmpty();
        assertThat(MemoryCensus.full(v2).problems()).isEmpty();
    }

    @Test
    void cgroupV2Before518SumsKmemFromSlabStacksAndPageTables() {
        Path root = CgroupFixture.kernel("5.10.0-28-amd64")
                .v2()
                .cgroup("/a", m -> m.kmem(4096))
                .build(dir);
        assertThat(MemoryCensus.full(CgroupFs.at(root))
                        .cgroup("/a")
                        .orElseThrow()
                        .kmemUsage())
                .hasValue(4096);
    }
}
