package dev.hostkit.samples.testkit;

import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerServerException;
import dev.hostkit.docker.DockerTimeoutException;
import dev.hostkit.docker.DockerUnavailableException;
import dev.hostkit.docker.ListContainersRequest;
import dev.hostkit.doctor.DockerFacts;
import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Example for the testkit's {@link FakeDockerEngine}: engine faults a real dockerd will not produce on demand, and
 * how hostkit's {@link DockerClient} (and the doctor's engine summary built on it) surfaces each as a typed error.
 */
class FakeDockerEngineExampleTest {

    private static DockerClient client(FakeDockerEngine engine) {
        return DockerClient.builder()
                .host(engine.host())
                .readTimeout(Duration.ofMillis(500))
                .build();
    }

    @Test
    void onePathPatternAnswersEveryContainersInspectAndItsPidIsAnInt() {
        String inspect = "{\"Id\":\"c0ffee\",\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":4242}}";
        try (FakeDockerEngine engine =
                        FakeDockerEngine.start().on("GET", "/containers/{id}/json", Reply.json(200, inspect));
                DockerClient docker = client(engine)) {
            int pid = docker.inspectContainer("web-1").state().pid(); // an int, as NetNamespace.ofPid takes it
            assertThat(pid).isEqualTo(4242);
            assertThat(docker.inspectContainer("db-1").state().running()).isTrue();
            assertThat(engine.requests())
                    .extracting(FakeDockerEngine.Request::path)
                    .containsSubsequence("/v1.41/containers/web-1/json", "/v1.41/containers/db-1/json");
        }
    }

    @Test
    void malformedJsonIsADockerExceptionQuotingWhatTheEngineSent() {
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/version", Reply.malformedJson());
                DockerClient docker = client(engine)) {
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerException.class)
                    .hasMessageContaining("not valid JSON")
                    .hasMessageContaining("\"ApiVersion\":");
        }
    }

    @Test
    void a500CarriesTheEnginesMessageOrSaysThereWasNone() {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.error(500, "devmapper: Thin Pool has 0 free data blocks"))
                        .on("GET", "/containers/json", Reply.status(500));
                DockerClient docker = client(engine)) {
            assertThatThrownBy(docker::info).isInstanceOfSatisfying(DockerServerException.class, e -> {
                assertThat(e.status()).isEqualTo(500);
                assertThat(e.engineMessage()).isEqualTo("devmapper: Thin Pool has 0 free data blocks");
            });
            assertThatThrownBy(() -> docker.listContainers(ListContainersRequest.RUNNING))
                    .isInstanceOf(DockerServerException.class)
                    .hasMessageContaining("500 (no body)");
            assertThat(engine.requestLines()).contains("GET /v1.41/info", "GET /v1.41/containers/json");
        }
    }

    @Test
    void aHungEngineIsATimeoutAndADroppedReplyIsUnavailableThenTheNextCallWorks() {
        String version = "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\"}";
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.noAnswer())
                        .on("GET", "/version", Reply.dropMidBody(200, version, 12), Reply.json(200, version));
                DockerClient docker = client(engine)) {
            assertThatThrownBy(docker::info)
                    .isInstanceOf(DockerTimeoutException.class)
                    .hasMessageContaining("within 500 ms");
            assertThatThrownBy(docker::version).isInstanceOf(DockerUnavailableException.class);
            assertThat(docker.version().version()).isEqualTo("20.10.24");
        }
    }

    // testkit/README.md, as written.
    @Test
    void clientSurfacesEngineFaultsAsTypedErrors() {
        String version = "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\"}";
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.error(500, "devmapper: pool is full")) // Docker's {"message": ...}
                        .on("GET", "/containers/json", Reply.status(500)) // 500 with no body
                        .on("GET", "/images/json", Reply.noAnswer()) // hung engine
                        .on(
                                "GET",
                                "/version",
                                Reply.dropMidBody(200, version, 12), // 1st call: cut mid-body
                                Reply.json(200, version)); // then (and after): fine
                DockerClient docker = DockerClient.builder()
                        .host(engine.host())
                        .readTimeout(Duration.ofMillis(500))
                        .build()) {
            assertThatThrownBy(docker::info)
                    .isInstanceOf(DockerServerException.class)
                    .hasMessageContaining("pool is full");
            assertThatThrownBy(docker::listImages).isInstanceOf(DockerTimeoutException.class);
            assertThatThrownBy(docker::version).isInstanceOf(DockerUnavailableException.class);
            assertThat(docker.version().version()).isEqualTo("20.10.24");
            assertThat(engine.requestLines()).contains("HEAD /_ping", "GET /v1.41/info");
            assertThat(engine.requests().get(0).header("User-Agent")).isNotNull();
        }
    }

    @Test
    void theDoctorsEngineSummaryPassesTheEnginesErrorOn() {
        try (FakeDockerEngine engine =
                FakeDockerEngine.start().on("GET", "/info", Reply.error(500, "layer store is corrupt"))) {
            assertThatThrownBy(() -> DockerFacts.summary(engine.host()))
                    .isInstanceOf(DockerServerException.class)
                    .hasMessageContaining("layer store is corrupt");
        }
    }
}
