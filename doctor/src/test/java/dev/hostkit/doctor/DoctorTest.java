package dev.hostkit.doctor;

import dev.hostkit.core.AtomicFiles;
import dev.hostkit.doctor.DoctorReport.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DoctorTest {
    @Test
    void exitStatusFollowsTheWorstFinding() {
        DoctorReport r = new DoctorReport();
        assertThat(r.exitStatus()).isZero();
        r.finding(Severity.INFO, "g", "stale snapshot", "nothing to do");
        assertThat(r.exitStatus()).isZero();
        assertThat(r.status()).isEqualTo("ok");
        r.finding(Severity.WARN, "a", "warned", "fix a");
        assertThat(r.exitStatus()).isEqualTo(1);
        r.finding(Severity.CRITICAL, "b", "broken", "fix b");
        assertThat(r.exitStatus()).isEqualTo(2);
    }

    @Test
    void aCheckThatThrowsBecomesABlindSpotAndTheOthersStillRun() {
        Doctor.Check failing = new Doctor.Check() {
            public String area() {
                return "docker";
            }

            public void run(DoctorReport report) {
                throw new IllegalStateException("no Docker socket at /var/run/docker.sock");
            }
        };
        Doctor.Check fine = new Doctor.Check() {
            public String area() {
                return "x";
            }

            public void run(DoctorReport report) {
                report.section("x").put("seen", true);
            }
        };
        DoctorReport r = Doctor.examine(List.of(failing, fine));
        assertThat(r.cannotSee()).containsExactly("docker: no Docker socket at /var/run/docker.sock");
        assertThat(r.sections().get("x")).containsEntry("seen", true);
        assertThat(Doctor.toJson(r)).contains("\"status\":\"ok\"", "\"cannotSee\":[\"docker: no Docker socket");
    }

    /** A check that adds one finding, after a wait. */
    private static Doctor.Check finding(String area, long waitMillis) {
        return new Doctor.Check() {
            public String area() {
                return area;
            }

            public void run(DoctorReport report) throws InterruptedException {
                Thread.sleep(waitMillis);
                report.section(area).put("done", true);
                report.finding(Severity.WARN, area, area + " found", "fix " + area);
            }
        };
    }

    @Test
    void checksRunAtOnceButTheReportFollowsTheirOrder() {
        DoctorReport r = Doctor.examine(List.of(finding("slow", 200), finding("fast", 0)));

        assertThat(r.sections().keySet()).containsExactly("slow", "fast");
        assertThat(r.findings()).extracting(DoctorReport.Finding::area).containsExactly("slow", "fast");
    }

    @Test
    void aCheckPastItsDeadlineIsReportedAsTimedOutAndTheRestIsPrinted() {
        Doctor.Check stuck = new Doctor.Check() {
            public String area() {
                return "docker";
            }

            public void run(DoctorReport report) throws InterruptedException {
                report.section("docker").put("half", "written");
                new java.util.concurrent.CountDownLatch(1).await(); // an engine that never answers
            }
        };
        long t = System.nanoTime();
        DoctorReport r = Doctor.examine(List.of(finding("fast", 0), stuck), java.time.Duration.ofMillis(300));

        assertThat((System.nanoTime() - t) / 1_000_000).isLessThan(5_000);
        assertThat(r.cannotSee()).containsExactly("docker: timed out after 0.3 s");
        assertThat(r.sections()).containsKey("fast").doesNotContainKey("docker");
        assertThat(Doctor.toText(r)).contains("could not see\n  docker: timed out after 0.3 s");
    }

    @Test
    void metricsAreValidPrometheusTextWrittenAtomically(@TempDir Path dir) throws Exception {
        DoctorReport r = Doctor.examine(List.of(new HostCheck()));
        String text = PrometheusText.of(r.metrics());
        assertThat(text)
                .contains("# TYPE hostkit_doctor_status gauge", "hostkit_doctor_findings{severity=\"critical\"} 0");
        for (String line : text.split("\n")) {
            assertThat(line).matches("# (HELP|TYPE) .*|[a-z_]+(\\{[a-z]+=\"[^\"]*\"\\})? -?[0-9.eE+-]+");
        }
        Path file = dir.resolve("doctor.prom");
        AtomicFiles.write(file, text);
        AtomicFiles.write(file, text);
        assertThat(Files.readString(file)).isEqualTo(text);
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(file);
        }
    }
}
