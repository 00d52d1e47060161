package dev.hostkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.doctor.CgroupsReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code hostkit cgroups} on a small RHEL 7 fixture tree: the JSON fields, the risk, the orphans and the exit status. */
class CgroupsCommandTest {
    private static final String POD = "0f6cbd87-5b9e-4c5e-9b1a-1d2f3e4a5b6c";
    private static final String CONTAINER = "4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a";

    @TempDir
    Path root;

    // A 3.10 host: 3 visible memory cgroups and 65,000 more the kernel still holds.
    private void rhel7() throws Exception {
        Files.createDirectories(root.resolve("proc/self"));
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), "3.10.0-1160.el7.x86_64\n");
        Files.writeString(root.resolve("proc/cmdline"), "ro quiet\n");
        Files.writeString(
                root.resolve("proc/self/mountinfo"),
                "31 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory\n");
        Files.writeString(
                root.resolve("proc/cgroups"), "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t5\t65003\t1\n");
        Path mem = root.resolve("sys/fs/cgroup/memory");
        Path container = Files.createDirectories(mem.resolve("kubepods/pod" + POD + "/" + CONTAINER));
        for (Path d : new Path[] {mem, mem.resolve("kubepods"), mem.resolve("kubepods/pod" + POD), container}) {
            Files.writeString(d.resolve("memory.usage_in_bytes"), "1048576\n");
            Files.writeString(d.resolve("memory.kmem.usage_in_bytes"), "65536\n");
            Files.writeString(d.resolve("tasks"), d.equals(container) ? "4242\n" : "");
        }
        // a path with a quote and a backslash must come out as valid JSON
        Path odd = Files.createDirectories(mem.resolve("we\"ird\\name"));
        Files.writeString(odd.resolve("memory.kmem.usage_in_bytes"), "4096\n");
    }

    @Test
    void jsonHasTheDocumentedFieldsAndCriticalRiskOnANearlyExhaustedRhel7Host() throws Exception {
        rhel7();
        var out = new java.io.ByteArrayOutputStream();
        var saved = System.out;
        int status;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            status = CgroupsCommand.run(
                    new String[] {"--json", "--top", "5", "--root", root.toString()}, Set.of(), Set.of());
        } finally {
            System.setOut(saved);
        }
        JsonNode j = new ObjectMapper().readTree(out.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(j.path("hierarchy").asText()).isEqualTo("v1");
        assertThat(j.path("memory").path("live").asLong()).isEqualTo(5);
        assertThat(j.path("memory").path("dying").asLong()).isEqualTo(64_998);
        assertThat(j.path("memory").path("idHeadroom").asLong()).isEqualTo(65_535 - 65_003);
        assertThat(j.path("memory").path("risk").asText()).isEqualTo("critical");
        assertThat(j.path("kmem").path("active").asBoolean()).isTrue();
        assertThat(j.path("kmem").path("reason").asText()).contains("before 4.6");
        assertThat(j.path("top").get(0).path("path").asText()).isEqualTo("/kubepods/pod" + POD + "/" + CONTAINER);
        assertThat(j.path("top").findValuesAsText("path")).contains("/we\"ird\\name");
        assertThat(j.path("orphans").get(0).path("path").asText()).isEqualTo("/kubepods/pod" + POD);
        assertThat(j.path("orphans").get(0).path("tasks").asLong()).isEqualTo(1);
        assertThat(j.path("remedies").get(0).asText()).contains("drop_caches");
    }

    @Test
    void reportForTheDoctorAndTextAgree() throws Exception {
        rhel7();
        CgroupsReport r = CgroupsReport.of(root);
        assertThat(r.orphansJudged()).isFalse();
        assertThat(r.exitStatus()).isEqualTo(2);
        assertThat(CgroupsReport.toText(r))
                .contains("5 live, 64998 dying")
                .contains("CRITICAL")
                .contains("EXPOSED");
    }

    @Test
    void aRootThatIsNotACgroupHostExitsWith70AndBadUsageWith64() {
        assertThat(CgroupsCommand.run(new String[] {"--root", root.toString()})).isEqualTo(70);
        assertThat(CgroupsCommand.run(new String[] {"--top"})).isEqualTo(64);
        assertThat(CgroupsCommand.run(new String[] {"--frobnicate"})).isEqualTo(64);
    }
}
