package dev.hostkit.docker;

import dev.hostkit.testkit.TestJvm;
import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An engine (or anything else on its socket) that is slow on purpose, oversized, redirecting or dying mid-answer,
 * against the testkit's {@link FakeDockerEngine}, for both transports: every call ends within its deadline with a
 * typed error naming the call, nothing is held in memory whole, nothing is sent twice once an answer began.
 */
class HostileEngineTest {

    private static DockerClient client(FakeDockerEngine fake, DockerClient.Transport t) {
        // The read timeout is longer than the drip interval: only the call deadline can end a dripping answer.
        return DockerClient.builder()
                .host(fake.host())
                .transport(t)
                .apiVersion("1.41")
                .readTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(2))
                .build();
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void headersDrippedOneByteASecondEndAtTheCallDeadline(DockerClient.Transport t) {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.json(200, "{}").dripEvery(Duration.ofSeconds(1)));
                DockerClient docker = client(fake, t)) {
            long start = System.nanoTime();
            assertThatThrownBy(docker::info)
                    .isInstanceOf(DockerTimeoutException.class)
                    .hasMessageStartingWith("GET /v1.41/info: did not complete within 2000 ms (call deadline; ")
                    .hasMessageContaining("response bytes had arrived");
            // A hang guard, not a speed goal: without the deadline the call takes the ~150 s of the whole drip.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(docker.openConnections()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void bodyDrippedOneByteASecondEndsAtTheCallDeadline(DockerClient.Transport t) {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on(
                                "GET",
                                "/containers/json",
                                Reply.json(200, "[" + "{}, ".repeat(50) + "{}]").dripBodyEvery(Duration.ofSeconds(1)));
                DockerClient docker = client(fake, t)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> docker.listContainers(ListContainersRequest.RUNNING))
                    .isInstanceOf(DockerTimeoutException.class)
                    .hasMessageStartingWith(
                            "GET /v1.41/containers/json: did not complete within 2000 ms (call deadline; ");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void streamHeadersAreHeldToTheDeadlineButTheOpenStreamIsNot(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/events", Reply.stream().dripEvery(Duration.ofSeconds(1)));
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(() -> docker.events(EventsRequest.builder().build()))
                    .isInstanceOf(DockerTimeoutException.class)
                    .hasMessageStartingWith("GET /v1.41/events: did not complete within 2000 ms (call deadline; ");
            fake.on("GET", "/events", Reply.stream("{\"Type\":\"container\",\"Action\":\"start\"}\n"));
            try (DockerStream<Event> events =
                    docker.events(EventsRequest.builder().build())) {
                Thread.sleep(2_500); // past the call deadline: an open stream is not cut by it
                assertThat(events.next().action()).isEqualTo("start");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void announcedGigabyteIsRefusedBeforeReadingNamingTheCallAndTheSize(DockerClient.Transport t) {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/images/json", Reply.json(200, "[").header("Content-Length", "1073741824"))
                        .on("GET", "/version", Reply.json(200, "{\"Version\":\"20.10.24\"}"));
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::listImages)
                    .isInstanceOf(DockerResponseTooLargeException.class)
                    .hasMessage(
                            "GET /v1.41/images/json: the response body is 1073741824 bytes, over this client's limit of "
                                    + (8 << 20)
                                    + " bytes for this call (raise it on the builder if the engine really has that much to say)")
                    .satisfies(e -> assertThat(((DockerResponseTooLargeException) e).size())
                            .isEqualTo(1L << 30));
            assertThat(docker.version().version()).isEqualTo("20.10.24"); // the client is fine afterwards
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void unannouncedOversizedBodyIsCutAtTheLimit(DockerClient.Transport t) {
        try (FakeDockerEngine fake =
                        FakeDockerEngine.start().on("GET", "/containers/json", Reply.stream("[" + "{},".repeat(1000)));
                DockerClient docker = DockerClient.builder()
                        .host(fake.host())
                        .transport(t)
                        .apiVersion("1.41")
                        .maxListBytes(1024)
                        .build()) {
            assertThatThrownBy(() -> docker.listContainers(ListContainersRequest.RUNNING))
                    .isInstanceOf(DockerResponseTooLargeException.class)
                    .hasMessageStartingWith("GET /v1.41/containers/json: the response body is longer than 1024 bytes");
            assertThat(docker.openConnections()).isZero();
        }
    }

    @Test
    void gigabyteBodyUnderSixtyFourMegabytesOfHeapEndsInCleanErrorsNotOutOfMemory() throws Exception {
        Process p = new ProcessBuilder(TestJvm.command(List.of("-Xmx64m"), HugeBodyProbe.class))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        List<String> lines = out.lines().filter(l -> l.startsWith("probe: ")).toList();
        assertThat(lines).as(out).hasSize(2);
        assertThat(lines.get(0))
                .isEqualTo("probe: DockerResponseTooLargeException: GET /v1.41/images/json: the response body is "
                        + "1073741824 bytes, over this client's limit of 8388608 bytes for this call (raise it on the builder if the engine "
                        + "really has that much to say)");
        // With the limit raised past the heap the body is read as it arrives (1 MiB, then nothing) until the deadline.
        assertThat(lines.get(1))
                .matches(
                        "probe: DockerTimeoutException: GET /v1\\.41/images/json: did not complete within 1000 ms "
                                + "\\(call deadline; 10\\d{5} response bytes had arrived\\): the engine at SOCKET is too slow or hung");
        assertThat(out).doesNotContain("OutOfMemoryError");
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void redirectIsReportedWithWhereItPointed(DockerClient.Transport t) {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on(
                                "GET",
                                "/version",
                                Reply.status(301).header("Location", "http://elsewhere/\u001b[2Jv1.41/images/json"));
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerException.class)
                    .hasMessage(
                            "GET /v1.41/version: 301 unexpected redirect to http://elsewhere/\\x1b[2Jv1.41/images/json");
            assertThat(fake.requestLines()).containsExactly("GET /v1.41/version");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void hugeErrorBodyIsCutAndItsControlCharactersEscaped(DockerClient.Transport t) {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.error(500, "\u001b[31mboom\u001b[0m " + "x".repeat(5 << 20)))
                        .on("GET", "/version", Reply.body(500, "text/plain", "y".repeat(5 << 20)))
                        .on(
                                "GET",
                                "/containers/json",
                                Reply.error(500, "\u001b]0;pwned\u0007\u001b[2J no such thing"));
                DockerClient docker = client(fake, t)) {
            // 5 MB bodies: 64 KiB is read, 300 characters are quoted.
            assertThatThrownBy(docker::info)
                    .isInstanceOf(DockerServerException.class)
                    .satisfies(
                            e -> assertThat(e.getMessage()).hasSizeLessThan(400).endsWith("... (65536 characters)"));
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerServerException.class)
                    .satisfies(
                            e -> assertThat(e.getMessage()).hasSizeLessThan(400).endsWith("... (65536 characters)"));
            assertThatThrownBy(() -> docker.listContainers(ListContainersRequest.RUNNING))
                    .isInstanceOf(DockerServerException.class)
                    .hasMessage("GET /v1.41/containers/json: 500 \\x1b]0;pwned\\x07\\x1b[2J no such thing");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void getIsNotRetriedOnceResponseBytesArrived(DockerClient.Transport t) {
        String body = "{\"Version\":\"20.10.24\"}";
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on(
                                "GET",
                                "/version",
                                Reply.json(200, body),
                                Reply.json(200, body).cutAfter(20),
                                Reply.json(200, body));
                DockerClient docker = client(fake, t)) {
            docker.version(); // leaves a pooled connection, so the next call runs on a reused one
            // Cut inside a header line: reported as a broken response, and not sent again.
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerException.class)
                    .hasMessageStartingWith("GET /v1.41/version: ");
            assertThat(fake.requestLines()).containsExactly("GET /v1.41/version", "GET /v1.41/version");
            assertThat(docker.version().version()).isEqualTo("20.10.24");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void streamIsNeverSentTwiceEvenOnAReusedConnectionThatDied(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/version", Reply.json(200, "{}"))
                        .on("GET", "/events", Reply.closeConnection(), Reply.stream());
                DockerClient docker = client(fake, t)) {
            docker.version();
            assertThatThrownBy(() -> docker.events(EventsRequest.builder().build()))
                    .isInstanceOf(DockerUnavailableException.class);
            assertThat(fake.requestLines()).containsExactly("GET /v1.41/version", "GET /v1.41/events");
        }
    }
}
