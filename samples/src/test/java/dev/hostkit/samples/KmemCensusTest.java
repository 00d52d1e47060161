package dev.hostkit.samples;

import dev.hostkit.testkit.cgroups.CgroupFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link KmemCensus} on hosts laid out as files: the RHEL 7 node of the incident, and a healthy cgroup v2 host. */
class KmemCensusTest {
    @TempDir
    Path dir;

    @Test
    void rhel7NodeWithKmemOnIsCriticalAndItsEnospcIsTheMemcgIdLeak() throws Exception {
        Path root = CgroupFixture.kernel310KmemNearlyFull().build(dir);

        SampleRun run = SampleRun.of(KmemCensus.class, root.toString());

        assertThat(run.status()).isZero();
        assertThat(run.stdout())
                .contains(
                        "kernel 3.10.0-1160.el7.x86_64, v1: 5 live, 65400 dying memory cgroups, 130 memcg IDs left, risk critical")
                .contains("kmem accounting active: before 4.6 kmem accounting is switched on per cgroup")
                .contains("; 1 cgroup charges kernel memory")
                .contains("exposed: removed memory cgroups stay pinned")
                .contains("do: ")
                .contains("cgroup.memory=nokmem");
    }

    @Test
    void cgroupV2HostIsNotExposedAndItsEnospcIsSomethingElse() throws Exception {
        Path root = CgroupFixture.kernel61V2()
                .dockerContainer("9f8e7d6c5b4a39281706f5e4d3c2b1a0")
                .build(dir);

        SampleRun run = SampleRun.of(KmemCensus.class, root.toString());

        assertThat(run.status()).isZero();
        assertThat(run.stdout())
                .contains("kernel 6.1.0-18-amd64, v2:")
                .contains("kmem accounting active: cgroup v2 always charges kernel memory")
                .contains("not exposed: memcg IDs are recycled")
                .doesNotContain("do: ");
    }
}
