package dev.hostkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.doctor.DockerFacts;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@HostTest(checkFdsAndThreads = false)
class DockerCommandIT {
    @Test
    void psJsonPrintsOneObjectPerContainerWithTheEnginesKeys(DockerEngine engine) throws Exception {
        String id = engine.run(TestNames.next("ps"));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = DockerCommand.run(
                    new String[] {"ps", "--all", "--json", "--host", engine.host()},
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
            List<JsonNode> rows = new ArrayList<>();
            for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
                rows.add(new ObjectMapper().readTree(line));
            }
            assertThat(rows).anySatisfy(r -> {
                assertThat(r.get("Id").asText()).isEqualTo(id);
                assertThat(r.get("Names").get(0).asText()).startsWith("/hk");
                assertThat(r.get("Image").asText()).isEqualTo(engine.testImage());
                assertThat(r.get("State").asText()).isEqualTo("running");
            });
        } finally {
            engine.remove(id);
        }
    }

    @Test
    void summaryCountsContainersAndUnreachableEngineExitsUnavailable(DockerEngine engine) {
        DockerFacts.EngineSummary s = DockerFacts.summary(engine.host());
        assertThat(s.apiVersion()).isEqualTo(engine.docker("version", "-f", "{{.Server.APIVersion}}"));
        assertThat(s.containers()).isEqualTo(s.running() + s.paused() + s.stopped());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DockerCommand.run(
                new String[] {"ps", "--host", "unix:///nonexistent/docker.sock"},
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(DockerCommand.EX_UNAVAILABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("does not exist: is dockerd running?");
    }
}
