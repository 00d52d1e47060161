package dev.hostkit.samples.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.KmemVerdict;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.cgroups.MkdirDiagnosis;
import dev.hostkit.core.Errno;
import dev.hostkit.samples.SampleRun;
import dev.hostkit.testkit.cgroups.CgroupFixture;
import dev.hostkit.testkit.cgroups.CgroupFixture.ContainerRuntime;
import dev.hostkit.testkit.cgroups.CgroupFixture.Qos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Example for the testkit's {@link CgroupFixture}: hosts this machine is not (a RHEL 7 kubelet node on 3.10 with
 * kmem accounting and almost no memcg IDs left, a healthy 6.1 v2 host) laid out as files, then inspected by
 * {@code hostkit cgroups --root DIR} and by the cgroups library. No root needed.
 */
class CgroupFixtureExampleTest {
    private static final String POD = "7a1e2f3d-aaaa-4bbb-8ccc-0123456789ab";
    private static final String CONTAINER = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";

    @TempDir
    Path dir;

    /** Runs {@code hostkit ARGS} the way scripts/hostkit does, in a JVM of its own. */
    private static SampleRun hostkit(String... args) throws IOException, InterruptedException {
        return SampleRun.of("dev.hostkit.cli.Hostkit", args);
    }

    @Test
    void hostkitCgroupsCallsARhel7NodeWithKmemOnAndMemcgIdsNearlyGoneCritical() throws Exception {
        Path root = CgroupFixture.kernel310KmemNearlyFull()
                .kubeletCgroupfsPod(Qos.BEST_EFFORT, ContainerRuntime.DOCKER, POD, CONTAINER)
                .build(dir);

        SampleRun run = hostkit("cgroups", "--json", "--root", root.toString());

        assertThat(run.status()).as("exit status: 2 = critical").isEqualTo(2);
        JsonNode report = new ObjectMapper().readTree(run.stdout());
        assertThat(report.path("kernel").asText()).isEqualTo("3.10.0-1160.el7.x86_64");
        assertThat(report.path("hierarchy").asText()).isEqualTo("v1");
        JsonNode memory = report.path("memory");
        // root, kubepods, burstable + its pod and container (the preset), besteffort + our pod and container
        assertThat(memory.path("live").asLong()).isEqualTo(8);
        assertThat(memory.path("procCgroups").asLong()).isEqualTo(8 + CgroupFixture.NEARLY_FULL_DYING);
        assertThat(memory.path("idHeadroom").asLong()).isEqualTo(65_535 - 65_408);
        assertThat(memory.path("idAccounting").asText()).isEqualTo("dying_hold_ids");
        assertThat(memory.path("risk").asText()).isEqualTo("critical");
        assertThat(report.path("kmem").path("active").asBoolean()).isTrue();
        assertThat(report.path("kmem").path("exposed").asBoolean()).isTrue();
        assertThat(report.path("remedies").toString()).contains("cgroup.memory=nokmem");
        assertThat(report.path("top").findValuesAsText("containerId"))
                .contains(CgroupFixture.EL7_CONTAINER_ID, CONTAINER);
    }

    @Test
    void theLibraryExplainsTheEnospcThatMkdirGetsOnThatNode() {
        Path root = CgroupFixture.kernel310KmemNearlyFull().build(dir);
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus census = MemoryCensus.full(fs);
        assertThat(KmemVerdict.ofHost(fs, census).reason()).contains("before 4.6");

        MkdirDiagnosis why = MkdirDiagnosis.diagnose(
                fs, census, Errno.ENOSPC, fs.memoryRoot().resolve("kubepods/new"));

        assertThat(why.likely()).isTrue();
        assertThat(why.summary()).contains("130 memcg IDs are left");
        assertThat(why.remedies()).anySatisfy(r -> assertThat(r).contains("nokmem"));
    }

    // testkit/README.md, as written (with the "..." filled in).
    @Test
    void rhel7NodeNearTheMemcgIdLimitIsCritical() {
        Path root = CgroupFixture.kernel310KmemNearlyFull() // 3.10.0-1160.el7, v1, kmem charged
                .kubeletCgroupfsPod(Qos.BEST_EFFORT, ContainerRuntime.DOCKER, POD, CONTAINER)
                .build(dir);
        // proc/cgroups: "memory  <id>  65408  1" (8 live + 65,400 dying of 65,535 IDs)
        CgroupFs fs = CgroupFs.at(root); // hostkit-cgroups, or your own reader
        MemoryCensus census = MemoryCensus.full(fs);
        assertThat(census.idHeadroom()).isEqualTo(127);
        assertThat(KmemVerdict.ofHost(fs, census).exposed()).isTrue();
    }

    @Test
    void cgroupV2HostWithSystemdDriverAndOneOddFile() {
        Path root = CgroupFixture.kernel61V2() // 6.1.0-18-amd64, unified
                .containerDefaults(m -> m.usage(64 << 20).kmem(512 << 10).tasks(2))
                .kubeletSystemdPod(Qos.BURSTABLE, ContainerRuntime.CONTAINERD, POD, CONTAINER)
                .cgroup("/system.slice/app.service", m -> m.file("memory.current", "12x4\n")) // garbage on purpose
                .dying(42) // root cgroup.stat: nr_dying_descendants 42
                .build(dir);
        MemoryCensus census = MemoryCensus.full(CgroupFs.at(root));
        assertThat(census.dying()).isEqualTo(42);
        assertThat(census.problems())
                .singleElement()
                .asString()
                .contains("app.service/memory.current")
                .contains("'12x4'");
        assertThat(census.top())
                .singleElement()
                .satisfies(u -> assertThat(u.kmemUsage()).isEqualTo(512 << 10));
    }

    @Test
    void hostkitCgroupsCallsA61CgroupV2HostWithSystemdContainersHealthy() throws Exception {
        Path root = CgroupFixture.kernel61V2()
                .kubeletSystemdPod(Qos.BURSTABLE, ContainerRuntime.CONTAINERD, POD, CONTAINER)
                .dockerSystemdContainer(
                        CONTAINER.substring(0, 12) + CONTAINER.substring(12).replace('9', 'a'))
                .dying(12)
                .build(dir);

        SampleRun run = hostkit("cgroups", "--json", "--root", root.toString());

        assertThat(run.status()).as("exit status: 0 = ok").isZero();
        JsonNode memory = new ObjectMapper().readTree(run.stdout()).path("memory");
        assertThat(memory.path("version").asText()).isEqualTo("v2");
        assertThat(memory.path("dying").asLong()).isEqualTo(12);
        assertThat(memory.path("risk").asText()).isEqualTo("ok");
    }
}
