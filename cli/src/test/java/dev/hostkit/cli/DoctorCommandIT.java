package dev.hostkit.cli;

import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code hostkit doctor} as deployed: the shaded jar in a fresh JVM with the flags of {@code scripts/hostkit}, its
 * Docker Engine a fake one (never the system socket). A stuck engine costs the Docker section, not the report; the
 * metrics file is readable by node_exporter's uid after a root run; a metrics file that cannot be written is exit 3.
 */
class DoctorCommandIT {
    private static final Path JAR = Path.of("target/hostkit.jar");

    /** What the process printed, returned and how long it took. */
    record Run(int status, String out, String err, Duration took) {}

    @BeforeAll
    static void jarIsBuilt() {
        assumeTrue(Files.isRegularFile(JAR), "target/hostkit.jar is made in the package phase; run with mvn verify");
    }

    private static Run doctor(FakeDockerEngine engine, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "java",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xlog:disable",
                "-Xlog:all=error:stderr",
                "-jar",
                JAR.toString(),
                "doctor"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOCKER_HOST", engine.host());
        Path err = Files.createTempFile("hk-doctor-it", ".err");
        try {
            long t = System.nanoTime();
            Process p = pb.redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("hostkit doctor did not finish in 120 s: " + out);
            }
            return new Run(p.exitValue(), out, Files.readString(err), Duration.ofNanos(System.nanoTime() - t));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Test
    void anEngineThatNeverAnswersCostsOnlyTheDockerSectionWhichTimesOut() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                .on("GET", "/info", Reply.noAnswer())
                .on("GET", "/containers/json", Reply.json(200, "[]"))) {
            // Long enough for the other checks in a cold JVM on a loaded host, far shorter than the client's 60 s read
            // timeout.
            Run r = doctor(engine, "--check-timeout", "10");

            assertThat(r.status()).as(r.err()).isBetween(0, 2);
            assertThat(r.out())
                    .contains(
                            "hostkit doctor",
                            "\nhost\n",
                            "\nmacvlan\n",
                            "\nfindings\n",
                            "could not see\n",
                            "  docker: timed out after 10 s",
                            "\nstatus: ");
            assertThat(r.out()).doesNotContain("\ndocker\n");
            // The client alone would wait 60 s for the first byte and then say so: the deadline ended it.
            assertThat(r.took()).isLessThan(Duration.ofSeconds(60));
            assertThat(engine.requestLines()).anyMatch(l -> l.endsWith("/info"));

            Run json = doctor(engine, "--json", "--check-timeout=2.5");
            assertThat(json.out()).contains("\"cannotSee\":[", "\"docker: timed out after 2.5 s\"");
        }
    }

    @Test
    void aRootRunWritesAMetricsFileNodeExportersUserCanRead() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run as root and read as uid 65534");
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hk-metrics");
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/info", Reply.error(500, "not today"))) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path file = dir.resolve("hostkit_doctor.prom");
            Run r = doctor(engine, "--metrics-file", file.toString());
            assertThat(r.status()).as(r.err()).isBetween(0, 2);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));

            Process cat = new ProcessBuilder(
                            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", file.toString())
                    .redirectErrorStream(true)
                    .start();
            String read = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(cat.waitFor()).as(read).isZero();
            assertThat(read).contains("# TYPE hostkit_doctor_status gauge").isEqualTo(Files.readString(file));
            try (var left = Files.list(dir)) {
                assertThat(left.toList()).as("no temporary file left").containsExactly(file);
            }

            Run mode = doctor(engine, "--metrics-file", file.toString(), "--metrics-mode", "0640");
            assertThat(mode.status()).isBetween(0, 2);
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void aMetricsFileThatCannotBeWrittenIsExit3AfterTheReport() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/info", Reply.error(500, "not today"))) {
            Run r = doctor(engine, "--metrics-file", "/proc/hk-no-such-dir/hostkit_doctor.prom");

            assertThat(r.status()).isEqualTo(3);
            assertThat(r.out()).contains("hostkit doctor", "\nstatus: ");
            assertThat(r.err().lines().toList()).hasSize(1);
            assertThat(r.err())
                    .startsWith("hostkit doctor: cannot write metrics file /proc/hk-no-such-dir/hostkit_doctor.prom: ");
        }
    }
}
