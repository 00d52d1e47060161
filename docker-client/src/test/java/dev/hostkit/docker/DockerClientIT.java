package dev.hostkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against the harness's real dockerd, checked against the docker CLI's view. */
@HostTest
class DockerClientIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void warmUp() {
        NativeWarmUp.once();
    }

    private static DockerClient client(DockerEngine engine) {
        return DockerClient.builder().host(engine.host()).build();
    }

    private static CreateContainerRequest.Builder labelled(DockerEngine engine, String name) {
        return labelled(engine.testImage(), name);
    }

    private static CreateContainerRequest.Builder labelled(String image, String name) {
        return CreateContainerRequest.builder(image)
                .name(name)
                .networkMode("none")
                .label(DockerEngine.LABEL, TestNames.RUN_PREFIX);
    }

    @Test
    void negotiatesTheEnginesApiVersionAndReadsVersionAndInfo(DockerEngine engine) throws Exception {
        try (DockerClient docker = client(engine)) {
            Ping ping = docker.ping();
            assertThat(ping.apiVersion()).isEqualTo(engine.docker("version", "-f", "{{.Server.APIVersion}}"));
            assertThat(docker.apiVersion()).isEqualTo(ping.apiVersion());
            assertThat(docker.version().version()).isEqualTo(engine.docker("version", "-f", "{{.Server.Version}}"));
            Info info = docker.info();
            assertThat(info.serverVersion()).isEqualTo(engine.docker("info", "-f", "{{.ServerVersion}}"));
            assertThat(info.images()).isPositive();
        }
    }

    @Test
    void listsContainersAsTheCliDoes(DockerEngine engine) throws Exception {
        String a = engine.run(TestNames.next("ls"));
        String b = engine.run(TestNames.next("ls"), "true");
        engine.docker("wait", b);
        try (DockerClient docker = client(engine)) {
            String label = DockerEngine.LABEL + "=" + TestNames.RUN_PREFIX;
            List<ContainerSummary> ours = docker.listContainers(ListContainersRequest.builder()
                    .all(true)
                    .filter("label", label)
                    .build());
            Set<String> cli = new TreeSet<>();
            for (String line : engine.docker(
                            "ps", "-a", "--no-trunc", "--filter", "label=" + label, "--format", "{{json .}}")
                    .split("\n")) {
                JsonNode n = JSON.readTree(line);
                cli.add(n.get("ID").asText() + " /" + n.get("Names").asText() + " "
                        + n.get("Image").asText() + " " + n.get("State").asText());
            }
            Set<String> mine = new TreeSet<>();
            for (ContainerSummary c : ours) {
                mine.add(c.id() + " " + String.join(",", c.names()) + " " + c.image() + " " + c.state());
            }
            assertThat(mine).isEqualTo(cli).hasSize(2);
            List<ContainerSummary> running = docker.listContainers(
                    ListContainersRequest.builder().filter("label", label).build());
            assertThat(running).extracting(ContainerSummary::id).containsExactly(a);
        } finally {
            engine.remove(a);
            engine.remove(b);
        }
    }

    @Test
    void runsTheWholeContainerLifeCycleAsTheCliSeesIt(DockerEngine engine) throws Exception {
        String name = TestNames.next("life");
        try (DockerClient docker = client(engine);
                DockerStream<Event> events = docker.events(EventsRequest.builder()
                        .since(Instant.now().minusSeconds(1))
                        .filter("type", "container")
                        .filter("container", name)
                        .build())) {
            String id = docker.createContainer(labelled(engine, name)
                    .env("SECRET_TOKEN", "hunter2")
                    .cmd("sh", "-c", "echo out; echo err >&2; trap 'exit 7' TERM; while true; do sleep 0.1; done")
                    .build());
            try {
                ContainerInspect created = docker.inspectContainer(id);
                assertThat(created.state().status()).isEqualTo("created");
                assertThat(created.config().env()).contains("SECRET_TOKEN=hunter2");
                assertThat(created.toString()).doesNotContain("hunter2").contains("SECRET_TOKEN=<redacted>");
                docker.startContainer(id);
                ContainerInspect running = docker.inspectContainer(name);
                assertThat(running.state().running()).isTrue();
                assertThat(running.state().pid()).isEqualTo(engine.pid(id));
                assertThat(running.name()).isEqualTo(engine.docker("inspect", "-f", "{{.Name}}", id));
                assertThat(running.networkMode()).isEqualTo("none");

                ExecResult ex = docker.exec(
                        id,
                        new ExecRequest(
                                List.of("sh", "-c", "echo hi $X; echo oops >&2; exit 3"),
                                Map.of("X", "there"),
                                "",
                                ""));
                assertThat(ex).isEqualTo(new ExecResult(3, "hi there\n", "oops\n"));

                ExecResult logs = waitForLogs(docker, id);
                assertThat(logs.stdout()).isEqualTo("out\n");
                assertThat(logs.stderr()).isEqualTo("err\n");

                Stats stats = docker.stats(id);
                assertThat(stats.pids()).isPositive();
                assertThat(stats.memoryUsage()).isPositive();

                docker.stopContainer(id, Duration.ofSeconds(5));
                assertThat(docker.waitContainer(id, Duration.ofSeconds(10))).isEqualTo(7);
                assertThat(engine.docker("inspect", "-f", "{{.State.ExitCode}}", id))
                        .isEqualTo("7");
                docker.restartContainer(id, Duration.ofSeconds(1));
                assertThat(docker.inspectContainer(id).state().running()).isTrue();
                docker.killContainer(id, "SIGKILL");
                assertThat(docker.waitContainer(id, Duration.ofSeconds(10))).isEqualTo(137);
                assertThatThrownBy(() -> docker.killContainer(id, "KILL"))
                        .isInstanceOf(DockerConflictException.class)
                        .hasMessageContaining("is not running");
                docker.removeContainer(id, false, true);
                assertThatThrownBy(() -> docker.inspectContainer(id))
                        .isInstanceOf(DockerNotFoundException.class)
                        .hasMessageContaining("No such container");
            } finally {
                engine.remove(id);
            }
            List<String> actions = new ArrayList<>();
            for (Event e : events) {
                assertThat(e.actorId()).isEqualTo(id);
                actions.add(e.action());
                if (e.action().equals("destroy")) {
                    break;
                }
            }
            assertThat(actions).containsSubsequence("create", "start", "die", "start", "kill", "die", "destroy");
        }
    }

    private static ExecResult waitForLogs(DockerClient docker, String id) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            ExecResult r = docker.readLogs(id);
            if (r.stdout().contains("out") && r.stderr().contains("err")) {
                return r;
            }
            Thread.sleep(100);
        }
        return docker.readLogs(id);
    }

    @Test
    void ttyLogsAreRawAndFollowedLogsDeliverNewOutput(DockerEngine engine) throws Exception {
        String name = TestNames.next("tty");
        try (DockerClient docker = client(engine)) {
            String id = docker.createContainer(labelled(engine, name)
                    .tty(true)
                    .cmd("sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done")
                    .build());
            try {
                docker.startContainer(id);
                try (DockerStream<LogFrame> logs =
                        docker.logs(id, LogsRequest.builder().follow(true).build())) {
                    StringBuilder seen = new StringBuilder();
                    for (LogFrame f : logs) {
                        assertThat(f.source()).isEqualTo(LogFrame.Source.STDOUT);
                        seen.append(f.text());
                        if (seen.toString().contains("line3")) {
                            break;
                        }
                    }
                    assertThat(seen.toString()).contains("line0\r\n");
                }
            } finally {
                docker.removeContainer(id, true, true);
            }
        }
    }

    @Test
    void streamsStatsOncePerSecond(DockerEngine engine) {
        String id = engine.run(TestNames.next("stat"));
        try (DockerClient docker = client(engine);
                DockerStream<Stats> stats = docker.statsStream(id)) {
            Stats first = stats.next();
            Stats second = stats.next();
            assertThat(first.pids()).isPositive();
            assertThat(second.read()).isNotEqualTo(first.read());
        } finally {
            engine.remove(id);
        }
    }

    @Test
    void importsAnImageFromATarStreamAndRunsIt(DockerEngine engine) throws Exception {
        String donor = engine.docker(
                "create", "--label", DockerEngine.LABEL + "=" + TestNames.RUN_PREFIX, engine.testImage(), "true");
        Path tar = Files.createTempFile("hk-rootfs", ".tar");
        String repo = "hostkit-test/imported-" + TestNames.next("img").toLowerCase();
        try (DockerClient docker = client(engine)) {
            Sh.run("docker", "-H", engine.host(), "export", "-o", tar.toString(), donor);
            String imageId;
            try (InputStream in = Files.newInputStream(tar)) {
                imageId = docker.importImage(in, repo, "v1");
            }
            try {
                ImageInspect img = docker.inspectImage(repo + ":v1");
                assertThat(img.id())
                        .isEqualTo(imageId)
                        .isEqualTo(engine.docker("inspect", "-f", "{{.Id}}", repo + ":v1"));
                assertThat(docker.listImages())
                        .anySatisfy(i -> assertThat(i.repoTags()).contains(repo + ":v1"));
                String c = docker.createContainer(labelled(repo + ":v1", TestNames.next("imp"))
                        .cmd("echo", "imported")
                        .build());
                try {
                    docker.startContainer(c);
                    assertThat(docker.waitContainer(c, Duration.ofSeconds(20))).isZero();
                    assertThat(docker.readLogs(c).stdout()).isEqualTo("imported\n");
                } finally {
                    docker.removeContainer(c, true, true);
                }
            } finally {
                docker.removeImage(repo + ":v1", true);
            }
            assertThatThrownBy(() -> docker.inspectImage(repo + ":v1")).isInstanceOf(DockerNotFoundException.class);
        } finally {
            engine.remove(donor);
            Files.deleteIfExists(tar);
        }
    }

    @Test
    void topListsTheContainersProcessesAsDockerTopDoes(DockerEngine engine) throws Exception {
        String id = engine.run(TestNames.next("top"), "sh", "-c", "sleep 3600 & sleep 3601");
        String created = null;
        try (DockerClient docker = client(engine)) {
            ContainerTop top = docker.top(id);
            String[] cli = engine.docker("top", id).split("\n");
            assertThat(top.titles()).containsExactly(cli[0].trim().split("\\s+"));
            assertThat(top.processes()).hasSize(cli.length - 1);
            for (int i = 0; i < top.processes().size(); i++) {
                List<String> row = top.processes().get(i);
                String[] cells = cli[i + 1].trim().split("\\s+", top.titles().size());
                for (int c = 0; c < cells.length; c++) {
                    // C (recent CPU %) and TIME may move between the two calls.
                    if (!Set.of("C", "TIME").contains(top.titles().get(c))) {
                        assertThat(row.get(c)).as(top.titles().get(c)).isEqualTo(cells[c]);
                    }
                }
            }
            assertThat(top.column("CMD")).contains("sleep 3600", "sleep 3601");
            assertThat(top.column("PID")).contains(Integer.toString(engine.pid(id)));

            ContainerTop narrow = docker.top(id, "-o pid,comm");
            String[] cliNarrow = engine.docker("top", id, "-o", "pid,comm").split("\n");
            assertThat(narrow.titles()).containsExactly("PID", "COMMAND");
            List<String> cliRows = new ArrayList<>();
            for (int i = 1; i < cliNarrow.length; i++) {
                cliRows.add(String.join(" ", cliNarrow[i].trim().split("\\s+")));
            }
            assertThat(narrow.processes().stream().map(r -> String.join(" ", r)).toList())
                    .isEqualTo(cliRows);
            assertThat(narrow.column("COMMAND")).contains("sleep");

            created = docker.createContainer(
                    labelled(engine, TestNames.next("top")).cmd("true").build());
            String notRunning = created;
            assertThatThrownBy(() -> docker.top(notRunning))
                    .isInstanceOf(DockerConflictException.class)
                    .hasMessageContaining("is not running");
            assertThatThrownBy(() -> top.column("NOPE"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("CMD");
        } finally {
            engine.remove(id);
            if (created != null) {
                engine.remove(created);
            }
        }
    }

    @Test
    void rejectsPathInjectionBeforeSendingAnything(DockerEngine engine) {
        try (DockerClient docker = client(engine)) {
            assertThatThrownBy(() -> docker.inspectContainer("../../images/json"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> docker.inspectImage("busybox/../../containers/json"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> docker.removeContainer("a?force=1", true, true))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void typedErrorsQuoteTheEngine(DockerEngine engine) {
        String id = engine.run(TestNames.next("err"));
        try (DockerClient docker = client(engine)) {
            assertThatThrownBy(() -> docker.removeContainer(id, false, false))
                    .isInstanceOf(DockerConflictException.class)
                    .hasMessageContaining("DELETE /v1.41/containers/" + id + ": 409")
                    .hasMessageContaining("Stop the container before attempting removal");
            assertThatThrownBy(() -> docker.createContainer(CreateContainerRequest.builder(engine.testImage())
                            .name(TestNames.next("bad"))
                            .memoryBytes(1)
                            .build()))
                    .isInstanceOf(DockerBadRequestException.class)
                    .hasMessageContaining("Minimum memory limit");
        } finally {
            engine.remove(id);
        }
    }
}
