package dev.hostkit.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The doctor judges orphaned container cgroups against the real engine: a memory cgroup named like a Docker container
 * the engine does not know is an orphan with a remedy; the cgroup of a running container is not.
 */
@HostTest(checkFdsAndThreads = false)
class DoctorOrphansIT {
    private static final Path MEMORY = Path.of("/sys/fs/cgroup/memory");

    @Test
    void containerCgroupUnknownToTheEngineIsAnOrphanAndARunningOneIsNot(DockerEngine engine) throws Exception {
        Prerequisites.requireRoot();
        if (!Files.isDirectory(MEMORY)) {
            Prerequisites.unavailable("no cgroup v1 memory hierarchy at " + MEMORY);
        }
        String goneId = HexFormat.of().formatHex(randomBytes(32)); // a container id no engine has
        Path ours = MEMORY.resolve(TestNames.next("orph"));
        Path orphan = ours.resolve("docker").resolve(goneId);
        String id = engine.run(TestNames.next("live"), "sleep", "60");
        try {
            Files.createDirectories(orphan);
            String liveCgroup = memoryCgroupOf(engine.pid(id));

            assertThat(DockerFacts.liveIds(engine.host()).containerIds()).contains(id);
            JsonNode doctor = new ObjectMapper().readTree(DoctorSurvey.json(null));

            JsonNode cgroups = doctor.path("cgroups");
            assertThat(cgroups.path("orphansJudged").asText()).startsWith("docker containers");
            List<String> orphanPaths = new ArrayList<>();
            cgroups.path("orphans").forEach(o -> orphanPaths.add(o.path("path").asText()));
            String orphanPath = "/" + MEMORY.relativize(orphan);
            assertThat(orphanPaths).contains(orphanPath).doesNotContain(liveCgroup);
            JsonNode entry = null;
            for (JsonNode o : cgroups.path("orphans")) {
                if (o.path("path").asText().equals(orphanPath)) {
                    entry = o;
                }
            }
            assertThat(entry.path("reason").asText())
                    .isEqualTo("container " + goneId.substring(0, 12) + " no longer exists");
            assertThat(entry.path("tasks").asLong()).isZero();
            List<String> findings = new ArrayList<>();
            doctor.path("findings").forEach(f -> findings.add(f.toString()));
            assertThat(findings)
                    .anySatisfy(f -> assertThat(f)
                            .contains("orphaned pod/container memory cgroup")
                            .contains("rmdir"));
        } finally {
            engine.remove(id);
            Files.deleteIfExists(orphan);
            Files.deleteIfExists(ours.resolve("docker"));
            Files.deleteIfExists(ours);
        }
    }

    private static String memoryCgroupOf(int pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                return f[2];
            }
        }
        throw new IllegalStateException("no memory cgroup for pid " + pid);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
