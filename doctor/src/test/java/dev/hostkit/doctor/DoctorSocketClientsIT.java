package dev.hostkit.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.doctor.DoctorReport.Finding;
import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.netlink.UnixSocketClients.Survey;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.LeakyClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The doctor's Docker socket clients section on the private engine: a child process leaking connections is named
 * with its pid, comm and count, a second run shows its growth, and once it exits the finding is gone.
 */
@HostTest
class DoctorSocketClientsIT {
    private static DoctorReport examine(DockerEngine engine, Path history) {
        return Doctor.examine(
                List.of(new DockerSocketClientsCheck(engine.host(), history, DockerSocketClients.DEFAULT_THRESHOLD)));
    }

    private static List<Finding> findingsAbout(DoctorReport r, int pid) {
        return r.findings().stream()
                .filter(f -> f.summary().startsWith("pid " + pid + " "))
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> entry(DoctorReport r, int pid) {
        List<Map<String, Object>> clients =
                (List<Map<String, Object>>) r.section("dockerClients").get("clients");
        return clients.stream()
                .filter(c -> c.get("pid").equals(pid))
                .findFirst()
                .orElse(null);
    }

    @Test
    void namesTheLeakingChildWithPidCommAndCountShowsGrowthAndForgetsItAfterItExits(
            DockerEngine engine, @TempDir Path dir) throws Exception {
        Path history = dir.resolve("docker-clients.json");
        int pid;
        try (LeakyClient leaker = new LeakyClient(engine.socket())) {
            pid = leaker.pid();
            leaker.open(40, "idle");
            leaker.open(3, "ask");
            DoctorReport first = examine(engine, history);
            assertThat(first.cannotSee()).isEmpty();
            assertThat(findingsAbout(first, pid)).singleElement().satisfies(f -> {
                assertThat(f.severity()).isEqualTo(Severity.WARN);
                assertThat(f.summary())
                        .isEqualTo(
                                "pid " + pid + " (python3) holds 43 connections to " + engine.socket() + " (40 idle)");
                assertThat(f.remedy())
                        .isEqualTo(
                                "close responses; reuse one client; in Go set MaxIdleConns/IdleConnTimeout or disable keep-alive");
            });
            assertThat(entry(first, pid))
                    .containsEntry("comm", "python3")
                    .containsEntry("connections", 43)
                    .containsEntry("idle", 40)
                    .containsEntry("perMinute", null);
            assertThat(first.metrics())
                    .anyMatch(m -> m.name().equals("hostkit_docker_socket_client_connections")
                            && m.labels().startsWith("pid=\"" + pid + "\",comm=\"python3\"")
                            && m.value() == 43);
            assertThat(DockerSocketClients.judge(DockerSocketClients.survey(engine.socket()), 32)
                            .message())
                    .isEqualTo("pid " + pid + " python3 holds 43 Docker socket connections (>32)");
            assertThat(Files.readString(history)).contains("\"pid\":" + pid);

            Thread.sleep(100);
            leaker.open(10, "idle");
            DoctorReport second = examine(engine, history);
            assertThat(findingsAbout(second, pid))
                    .singleElement()
                    .satisfies(f -> assertThat(f.summary())
                            .startsWith("pid " + pid + " (python3) holds 53 connections to " + engine.socket()
                                    + " (50 idle), +10 since the previous survey ("));
            Map<String, Object> e = entry(second, pid);
            assertThat(e).containsEntry("connections", 53).containsEntry("before", 43);
            assertThat((Double) e.get("perMinute")).isPositive();
            assertThat(e.get("oldestSeenSince"))
                    .as("the oldest connection was seen by the first run")
                    .isEqualTo(second.section("dockerClients").get("previousSurvey"));
        }
        DoctorReport after = examine(engine, history);
        assertThat(findingsAbout(after, pid)).isEmpty();
        assertThat(entry(after, pid)).isNull();
        assertThat(after.findings()).noneMatch(f -> f.summary().contains("python3"));
    }

    @Test
    void theDoctorsOwnEngineCallsAreNeitherCountedNorLeftUnownedWhileTheyRunBesideTheSurvey(DockerEngine engine)
            throws Exception {
        try (LeakyClient leaker = new LeakyClient(engine.socket())) {
            leaker.open(40, "idle");
            AtomicBoolean stop = new AtomicBoolean();
            // What the docker and cgroups checks do beside the dockerClients check: one short connection per call.
            CompletableFuture<Integer> calls = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                while (!stop.get()) {
                    DockerFacts.summary(engine.host());
                    n++;
                }
                return n;
            });
            try {
                for (int i = 0; i < 30; i++) {
                    Survey s = DockerSocketClients.survey(engine.socket());
                    assertThat(s.connections()).as("survey " + i).isEqualTo(40);
                    assertThat(s.unowned()).as("survey " + i).isZero();
                    assertThat(s.clients()).singleElement().satisfies(c -> {
                        assertThat(c.process().pid()).isEqualTo(leaker.pid());
                        assertThat(c.connections()).isEqualTo(40);
                    });
                }
            } finally {
                stop.set(true);
            }
            assertThat(calls.get(30, TimeUnit.SECONDS))
                    .as("engine calls made meanwhile")
                    .isPositive();
        }
    }

    @Test
    void aSocketThatDoesNotExistIsABlindSpotWithAOneLineReason(@TempDir Path dir) {
        Path missing = dir.resolve("no-engine.sock");
        DoctorReport r = Doctor.examine(List.of(new DockerSocketClientsCheck("unix://" + missing, null, 32)));
        assertThat(r.cannotSee()).containsExactly("dockerClients: socket " + missing + " does not exist");
        assertThat(DockerSocketClients.check("unix://" + missing, 32).status())
                .isEqualTo(DockerSocketClients.Status.UNKNOWN);
    }

    @Test
    void aCorruptHistoryIsIgnoredWithANoteAndReplaced(DockerEngine engine, @TempDir Path dir) throws Exception {
        Path history = dir.resolve("docker-clients.json");
        Files.writeString(
                history,
                "{\"version\":1,\"socket\":\"" + engine.socket() + "\",\"takenAt\":\"yesterday\",\"clients\":[]}");
        DoctorReport r = examine(engine, history);
        assertThat(r.cannotSee()).isEmpty();
        assertThat(r.section("dockerClients").get("historyNote"))
                .isEqualTo("ignored " + history + ": takenAt: not an ISO-8601 instant");
        JsonNode written = new ObjectMapper().readTree(Files.readString(history));
        assertThat(written.path("socket").asText()).isEqualTo(engine.socket().toString());
        assertThat(examine(engine, history).section("dockerClients"))
                .containsKey("previousSurvey")
                .doesNotContainKey("historyNote");
    }
}
