package dev.hostkit.doctor;

import dev.hostkit.core.ProcessInfo;
import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.netlink.UnixSocketClients.ClientProcess;
import dev.hostkit.netlink.UnixSocketClients.Survey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DockerSocketClientsTest {
    private static final Path SOCKET = Path.of("/run/docker.sock");
    private static final String CONTAINER = "0123456789abcdef".repeat(4);

    private static ClientProcess client(int pid, String comm, String container, int connections) {
        return new ClientProcess(
                new ProcessInfo(pid, 1000 + pid, comm, List.of(comm), container),
                connections,
                connections - 1,
                5000 + pid,
                false,
                false);
    }

    private static Survey survey(Instant at, ClientProcess... clients) {
        int total = 0;
        for (ClientProcess c : clients) {
            total += c.connections();
        }
        return new Survey(SOCKET, at, List.of(7L), List.of(1), total, List.of(clients), 0);
    }

    @Test
    void judgesOkBelowTheThresholdAndNamesTheBiggestHolderAbove() {
        Instant t = Instant.parse("2026-12-02T08:00:00Z");
        DockerSocketClients.Verdict ok = DockerSocketClients.judge(survey(t, client(10, "dockerd", "", 32)), 32);
        assertThat(ok.status()).isEqualTo(DockerSocketClients.Status.OK);

        DockerSocketClients.Verdict bad = DockerSocketClients.judge(
                survey(t, client(4242, "agent", CONTAINER, 2000), client(77, "python3", "", 40)), 32);
        assertThat(bad.status()).isEqualTo(DockerSocketClients.Status.PROBLEM);
        // The container id is left out when the line would not fit in 80 characters.
        assertThat(bad.message()).isEqualTo("pid 4242 agent holds 2000 Docker socket connections (>32); 1 more");
        assertThat(DockerSocketClients.judge(survey(t, client(4242, "agent", CONTAINER, 2000)), 32)
                        .message())
                .isEqualTo("pid 4242 agent in 0123456789ab holds 2000 Docker socket connections (>32)");
    }

    @Test
    void messageStaysOneLineOfAtMost80CharactersWhateverTheProcessIsCalled() {
        Instant t = Instant.now();
        DockerSocketClients.Verdict v = DockerSocketClients.judge(
                survey(t, client(4194304, "evil\nname\u001b[2J", CONTAINER, Integer.MAX_VALUE)), 0);
        assertThat(v.message())
                .hasSizeLessThanOrEqualTo(80)
                .doesNotContain("\n")
                .doesNotContain("\u001b")
                .contains("pid 4194304");
        assertThat(DockerSocketClients.Verdict.unknown("x".repeat(500) + "\nsecond line")
                        .message())
                .hasSizeLessThanOrEqualTo(80)
                .doesNotContain("\n");
    }

    @Test
    void jsonListsOneObjectPerProcessWithPidCommConnectionsAndIdle() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(DockerSocketClients.toJson(survey(
                        Instant.parse("2026-12-02T08:00:00Z"),
                        client(4242, "agent\"\n", CONTAINER, 50),
                        client(7, "sh", "", 1))));
        assertThat(json.path("socket").asText()).isEqualTo("/run/docker.sock");
        assertThat(json.path("connections").asInt()).isEqualTo(51);
        assertThat(json.path("clients")).hasSize(2);
        var first = json.path("clients").get(0);
        assertThat(first.path("pid").asInt()).isEqualTo(4242);
        assertThat(first.path("comm").asText()).isEqualTo("agent\"\n");
        assertThat(first.path("connections").asInt()).isEqualTo(50);
        assertThat(first.path("idle").asInt()).isEqualTo(49);
        assertThat(first.path("container").asText()).isEqualTo(CONTAINER);
        assertThat(json.path("clients").get(1).path("container").isNull()).isTrue();
    }

    @Test
    void nobodyListeningIsUnknownNotOk() {
        Survey s = new Survey(SOCKET, Instant.now(), List.of(), List.of(), 0, List.of(), 0);
        assertThat(DockerSocketClients.judge(s, 32).status()).isEqualTo(DockerSocketClients.Status.UNKNOWN);
    }

    @Test
    void reportsGrowthFromThePreviousSurveyAndKeepsOnlyTheTopTenGauges(@TempDir Path dir) throws Exception {
        Instant t0 = Instant.parse("2026-12-02T08:00:00Z");
        Instant t1 = t0.plusSeconds(120);
        List<ClientProcess> many = new ArrayList<>();
        many.add(client(4242, "leaker", CONTAINER, 50));
        for (int i = 0; i < 14; i++) {
            many.add(client(100 + i, "c" + i, "", 2));
        }
        Survey first = survey(t0, client(4242, "leaker", CONTAINER, 40));
        Path file = dir.resolve("clients.json");
        SurveyHistory.write(file, first, null);
        SurveyHistory.Previous previous = SurveyHistory.read(file, SOCKET, t1).orElseThrow();

        DoctorReport report = new DoctorReport();
        DockerSocketClientsCheck.fill(report, survey(t1, many.toArray(ClientProcess[]::new)), previous, null, 32);

        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARN);
            assertThat(f.summary())
                    .isEqualTo("pid 4242 (leaker, container 0123456789ab) holds 50 connections to /run/docker.sock"
                            + " (49 idle), +10 since the previous survey (5.0/min)");
            assertThat(f.remedy()).isEqualTo(DockerSocketClients.REMEDY);
        });
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> clients =
                (List<Map<String, Object>>) report.section("dockerClients").get("clients");
        assertThat(clients).hasSize(15);
        assertThat(clients.get(0))
                .containsEntry("pid", 4242)
                .containsEntry("connections", 50)
                .containsEntry("before", 40)
                .containsEntry("perMinute", 5.0)
                .containsEntry("oldestSeenSince", t0.toString());
        assertThat(report.metrics().stream().filter(m -> m.name().equals("hostkit_docker_socket_client_connections")))
                .hasSize(10);
        assertThat(report.metrics())
                .anyMatch(m -> m.name().equals("hostkit_docker_socket_connections") && m.value() == 78);
    }

    @Test
    void historyFromAnotherSocketGivesNothingToCompare(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("h.json");
        SurveyHistory.write(file, survey(Instant.now().minusSeconds(5), client(1, "a", "", 3)), null);
        assertThat(SurveyHistory.read(file, Path.of("/other.sock"), Instant.now()))
                .isEmpty();
        assertThat(SurveyHistory.read(dir.resolve("missing.json"), SOCKET, Instant.now()))
                .isEmpty();
    }

    @Test
    void refusesCorruptOrHostileHistoryNamingWhatIsWrong(@TempDir Path dir) throws Exception {
        Instant now = Instant.now();
        String head =
                "{\"version\":1,\"socket\":\"/run/docker.sock\",\"takenAt\":\"2026-12-02T08:00:00Z\",\"clients\":";
        Map<String, String> cases = Map.of(
                "not json {",
                "not JSON",
                "[]",
                "not a JSON object",
                "{\"version\":2}",
                "version 2",
                head + "[{\"pid\":-1}]}",
                "clients[0].pid: -1 is outside",
                head + "[{\"pid\":1,\"startTicks\":1,\"comm\":\"" + "x".repeat(100) + "\"}]}",
                "clients[0].comm: longer than 64",
                head + "[{\"pid\":1.5}]}",
                "clients[0].pid: not a whole number",
                head.replace("2026-12-02T08:00:00Z", "2999-01-01T00:00:00Z") + "[]}",
                "takenAt: 2999-01-01T00:00:00Z is in the future",
                head + "{}}",
                "clients: not a list");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path f = dir.resolve("h.json");
            Files.writeString(f, c.getKey());
            try {
                SurveyHistory.read(f, SOCKET, now);
                throw new AssertionError("accepted " + c.getKey());
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as(c.getKey()).contains(c.getValue());
            }
        }
        Path link = dir.resolve("link.json");
        Files.createSymbolicLink(link, Path.of("/etc/passwd"));
        try {
            SurveyHistory.read(link, SOCKET, now);
            throw new AssertionError("followed a symlink");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isEqualTo("not a regular file");
        }
        Path huge = dir.resolve("huge.json");
        Files.write(huge, new byte[SurveyHistory.MAX_BYTES + 1]);
        try {
            SurveyHistory.read(huge, SOCKET, now);
            throw new AssertionError("read a huge file");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("larger than");
        }
    }
}
