package dev.hostkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.core.ProcFs;
import dev.hostkit.doctor.DockerFacts;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hostkit cgroups reclaim} on this host's v1 memory hierarchy, confined with {@code --under} to a throwaway hk
 * parent cgroup holding Docker-named cgroups of containers that do not exist (the engine is stood in for by an empty
 * id list): the dry run writes nothing, the run empties and removes the orphan, a cgroup with a task is left alone,
 * bad input is one line and changes nothing, and the JSON has before/after dying and timed steps.
 */
@HostTest
class ReclaimCommandIT {
    private static final Path MEMORY = Path.of("/sys/fs/cgroup/memory");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path files;

    private Path parent;
    private final List<Process> sleepers = new ArrayList<>();

    record Result(int status, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    @BeforeEach
    void parent() throws IOException {
        if (!Files.isRegularFile(MEMORY.resolve("memory.force_empty")) && !Files.isDirectory(MEMORY)) {
            Prerequisites.unavailable("no v1 memory hierarchy at " + MEMORY);
        }
        parent = Files.createDirectory(MEMORY.resolve(TestNames.next("rc")));
    }

    @AfterEach
    void removeAll() throws Exception {
        for (Process p : sleepers) {
            p.destroyForcibly().waitFor();
        }
        if (parent != null && Files.isDirectory(parent)) {
            try (var children = Files.list(parent)) {
                for (Path c : children.filter(Files::isDirectory).toList()) {
                    Files.delete(c);
                }
            }
            Files.delete(parent);
        }
    }

    private String cgroupPath(Path dir) {
        return "/" + MEMORY.relativize(dir);
    }

    /** A cgroup named as Docker's systemd driver names a container's, for a random (so: gone) container id. */
    private Path orphan() throws IOException {
        byte[] id = new byte[32];
        new SecureRandom().nextBytes(id);
        return Files.createDirectory(parent.resolve("docker-" + HexFormat.of().formatHex(id) + ".scope"));
    }

    /** Charges {@code mib} MiB of page cache to {@code cgroup} (a shell joins it and runs dd; both exit). */
    private void charge(Path cgroup, int mib) {
        Path f = files.resolve(cgroup.getFileName() + ".data");
        Sh.run(
                "sh",
                "-c",
                "echo $$ > " + cgroup.resolve("cgroup.procs") + " && dd if=/dev/zero of=" + f + " bs=1M count=" + mib
                        + " status=none");
    }

    private static long usage(Path cgroup) throws IOException {
        return Long.parseLong(
                ProcFs.readKernelFile(cgroup.resolve("memory.usage_in_bytes")).strip());
    }

    private Result reclaim(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ReclaimCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(),
                whyNot -> new DockerFacts.LiveIds(Set.of(), null));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theDryRunPrintsThePlanAndWritesNothing() throws Exception {
        Path o = orphan();
        charge(o, 4);
        long before = usage(o);

        Result r = reclaim("--dry-run", "--json", "--remove-orphans", "--under", cgroupPath(parent));

        assertThat(r.status()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.path("dryRun").asBoolean()).isTrue();
        assertThat(j.path("before").path("dying").isNumber()).isTrue();
        assertThat(j.path("censusMillis").isIntegralNumber()
                        && j.path("planMillis").isIntegralNumber())
                .isTrue();
        assertThat(j.path("steps"))
                .extracting(
                        s -> s.path("action").asText() + " " + s.path("target").asText())
                .containsExactly("force_empty " + cgroupPath(o), "remove " + cgroupPath(o));
        assertThat(Files.isDirectory(o)).isTrue();
        assertThat(usage(o)).isGreaterThanOrEqualTo(Math.min(before, 4L << 20) / 2);

        Result text = reclaim("--dry-run", "--under", cgroupPath(parent));
        assertThat(text.out()).contains("force_empty " + cgroupPath(o)).contains("dry run: nothing written (census ");
        assertThat(Files.isDirectory(o)).isTrue();
    }

    @Test
    void theRunEmptiesAndRemovesTheOrphanAndReportsBeforeAfterAndTimedSteps() throws Exception {
        Path o = orphan();
        charge(o, 8);

        Result r = reclaim("--json", "--remove-orphans", "--step-timeout", "20s", "--under", cgroupPath(parent));

        assertThat(r.status()).as(r.out() + r.err()).isZero();
        JsonNode j = r.json();
        System.out.println("[reclaim-cli] " + j);
        assertThat(j.path("before").path("dying").isNumber()).isTrue();
        assertThat(j.path("after").path("dying").isNumber()).isTrue();
        assertThat(j.path("after").path("procCgroups").asLong())
                .isEqualTo(j.path("after").path("live").asLong()
                        + j.path("after").path("dying").asLong());
        assertThat(j.path("steps")).hasSize(2).allSatisfy(s -> {
            assertThat(s.path("target").asText()).isEqualTo(cgroupPath(o));
            assertThat(s.path("millis").isIntegralNumber()).isTrue();
            assertThat(s.path("outcome").asText()).isEqualTo("done");
        });
        assertThat(j.path("steps").get(0).path("action").asText()).isEqualTo("force_empty");
        assertThat(j.path("steps").get(0).path("usageBefore").asLong()).isGreaterThanOrEqualTo(8L << 20);
        assertThat(j.path("steps").get(1).path("action").asText()).isEqualTo("remove");
        assertThat(Files.exists(o)).isFalse();
    }

    @Test
    void aCgroupWithATaskIsLeftAloneAndSaidSo() throws Exception {
        Path busy = orphan();
        Process sleeper = new ProcessBuilder(
                        "sh", "-c", "echo $$ > " + busy.resolve("cgroup.procs") + " && exec sleep 300")
                .start();
        sleepers.add(sleeper);
        for (int i = 0;
                i < 200 && ProcFs.readKernelFile(busy.resolve("cgroup.procs")).isBlank();
                i++) {
            Thread.sleep(10);
        }

        Result r = reclaim("--json", "--remove-orphans", "--under", cgroupPath(parent));

        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.json().path("steps")).isEmpty();
        assertThat(r.json().path("notes").toString()).contains(cgroupPath(busy));
        assertThat(Files.isDirectory(busy)).isTrue();
        assertThat(ProcFs.readKernelFile(busy.resolve("cgroup.procs")).strip()).isEqualTo(Long.toString(sleeper.pid()));
    }

    @Test
    void badInputIsOneLineAndChangesNothing() throws Exception {
        Path o = orphan();
        for (String[] args : new String[][] {
            {"--under", "/../etc"},
            {"--under", "relative"},
            {"--step-timeout", "0"},
            {"--step-timeout", "ten"},
            {"--bogus"},
            {"--under"}
        }) {
            Result r = reclaim(args);
            assertThat(r.status()).as(String.join(" ", args)).isEqualTo(64);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().lines().findFirst().orElse("")).startsWith("hostkit cgroups reclaim: ");
        }
        Result noHost = reclaim("--root", files.resolve("nothing").toString());
        assertThat(noHost.status()).isEqualTo(70);
        assertThat(noHost.err().lines()).singleElement().asString().contains("mountinfo");
        assertThat(Files.isDirectory(o)).isTrue();
    }
}
