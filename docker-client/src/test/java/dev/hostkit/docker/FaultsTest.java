package dev.hostkit.docker;

import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Faults a real engine will not produce, against the testkit's {@link FakeDockerEngine}, for both transports. */
class FaultsTest {

    private static DockerClient client(FakeDockerEngine fake, DockerClient.Transport t) {
        return DockerClient.builder()
                .host(fake.host())
                .transport(t)
                .readTimeout(Duration.ofMillis(500))
                .build();
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void malformedJsonBecomesMalformedResponseNamingTheCallAndTheBody(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/version", Reply.json(200, "{\"Version\": \"20.10\", oops"));
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerException.class)
                    .hasMessageContaining("not valid JSON")
                    .hasMessageContaining("oops")
                    .hasMessageMatching("(?s)GET /v1\\.\\d+/version.*");
            // The connection was read to its end and stays usable.
            assertThatThrownBy(docker::version).isInstanceOf(DockerException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void connectionDroppedMidBodyIsUnavailableAndNextCallWorks(DockerClient.Transport t) throws Exception {
        String body = "{\"Version\":\"20.10.24\"}";
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/version", Reply.dropMidBody(200, body, 11), Reply.json(200, body));
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerUnavailableException.class)
                    .hasMessageContaining("GET /v1.41/version");
            assertThat(docker.version().version()).isEqualTo("20.10.24");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void serverThatNeverAnswersHitsTheReadTimeout(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start().on("GET", "/info", Reply.noAnswer());
                DockerClient docker = client(fake, t)) {
            long start = System.nanoTime();
            assertThatThrownBy(docker::info)
                    .isInstanceOf(DockerTimeoutException.class)
                    .hasMessageContaining("within 500 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void idleConnectionClosedByServerIsReplacedForTheNextIdempotentCall(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake =
                        FakeDockerEngine.start().on("GET", "/version", Reply.json(200, "{\"Version\":\"20.10.24\"}"));
                DockerClient docker = client(fake, t)) {
            docker.version();
            assertThat(fake.closeIdleConnections()).isEqualTo(1);
            Thread.sleep(50);
            assertThat(docker.version().version()).isEqualTo("20.10.24");
            assertThat(fake.connectionsAccepted()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void serverErrorCarriesTheEngineMessageOrSaysThereWasNoBody(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.error(500, "devmapper: pool is full"))
                        .on("GET", "/version", Reply.status(500));
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::info)
                    .isInstanceOf(DockerServerException.class)
                    .hasMessage("GET /v1.41/info: 500 devmapper: pool is full");
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerServerException.class)
                    .hasMessage("GET /v1.41/version: 500 (no body)");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void streamCloseFromAnotherThreadUnblocksTheReaderPromptly(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake =
                        FakeDockerEngine.start().on("GET", "/events", Reply.stream()); // an idle event stream
                DockerClient docker = client(fake, t)) {
            DockerStream<Event> events = docker.events(EventsRequest.builder().build());
            AtomicReference<Object> got = new AtomicReference<>("nothing yet");
            CountDownLatch done = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                got.set(events.next());
                done.countDown();
            });
            reader.start();
            Thread.sleep(700); // longer than the read timeout: a followed stream has none
            assertThat(done.getCount()).isEqualTo(1);
            long start = System.nanoTime();
            events.close();
            // A hang guard, not a speed goal: the latency is printed (and measured 1000x in FdProofIT).
            assertThat(done.await(5, TimeUnit.SECONDS)).as("reader unblocked").isTrue();
            System.out.printf("%s: reader unblocked %d us after close()%n", t, (System.nanoTime() - start) / 1000);
            assertThat(got.get()).isNull();
            reader.join();
            assertThat(docker.openConnections()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void engineOlderThanMinimumApiIsRefusedClearly(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start().apiVersion("1.12");
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version)
                    .hasMessageContaining("API 1.12, older than the oldest this client supports (1.24)");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void engineNewerThanClientQuotesTheEnginesVersionMessage(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .apiVersion("1.52")
                        .on(
                                "GET",
                                "/version",
                                Reply.error(
                                        400,
                                        "client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version"));
                DockerClient docker = client(fake, t)) {
            assertThat(docker.apiVersion()).isEqualTo("1.43");
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerBadRequestException.class)
                    .hasMessageContaining("client version 1.43 is too old. Minimum supported API version is 1.44")
                    .hasMessageContaining("this client speaks API 1.24 to 1.43");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void redirectsAreNotFollowed(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/version", Reply.status(301).header("Location", "/v1.41/images/json"));
                DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version).isInstanceOf(DockerException.class);
            assertThat(fake.requestLines()).doesNotContain("GET /v1.41/images/json");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void sendsUserAgent(DockerClient.Transport t) throws Exception {
        AtomicReference<String> ua = new AtomicReference<>();
        try (FakeDockerEngine fake = FakeDockerEngine.start().on("GET", "/version", Reply.json(200, "{}"));
                DockerClient docker = DockerClient.builder()
                        .host(fake.host())
                        .transport(t)
                        .userAgent("probe/1")
                        .build()) {
            docker.version();
            assertThat(fake.requestLines()).contains("HEAD /_ping", "GET /v1.41/version");
            assertThat(fake.requests())
                    .allSatisfy(r -> assertThat(r.header("User-Agent")).isEqualTo("probe/1"));
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void missingSocketIsUnavailableWithRemedy(DockerClient.Transport t) {
        try (DockerClient docker = DockerClient.builder()
                .host("unix:///nonexistent/hk/docker.sock")
                .transport(t)
                .build()) {
            assertThatThrownBy(docker::ping)
                    .isInstanceOf(DockerUnavailableException.class)
                    .hasMessageContaining("/nonexistent/hk/docker.sock does not exist: is dockerd running?");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void refusedSocketIsUnavailableWithRemedy(DockerClient.Transport t) throws Exception {
        FakeDockerEngine fake = FakeDockerEngine.start();
        java.nio.file.Path dead = fake.socket().resolveSibling("dead.sock");
        // A socket file nobody listens on: bind, then close the listener.
        try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(dead));
        }
        try (DockerClient docker =
                DockerClient.builder().host("unix://" + dead).transport(t).build()) {
            assertThatThrownBy(docker::ping)
                    .isInstanceOf(DockerUnavailableException.class)
                    .hasMessageContaining("nothing accepts connections on " + dead);
        } finally {
            java.nio.file.Files.deleteIfExists(dead);
            fake.close();
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void callsAfterCloseFailFast(DockerClient.Transport t) throws IOException {
        DockerClient docker = DockerClient.builder()
                .host("unix:///nonexistent/x.sock")
                .transport(t)
                .apiVersion("1.41")
                .build();
        docker.close();
        assertThatThrownBy(docker::info)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void streamDroppedWithoutCloseIsClosedAfterGc(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start().on("GET", "/events", Reply.stream());
                DockerClient docker = client(fake, t)) {
            openAndDrop(docker);
            assertThat(docker.openConnections()).isEqualTo(1);
            for (int i = 0; i < 100 && docker.openConnections() > 0; i++) {
                System.gc();
                Thread.sleep(50);
            }
            assertThat(docker.openConnections()).isZero();
        }
    }

    private static void openAndDrop(DockerClient docker) {
        docker.events(EventsRequest.builder().build());
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void exhaustedPoolFailsFastNamingWhoHoldsTheConnections(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start().on("GET", "/events", Reply.stream());
                DockerClient docker = DockerClient.builder()
                        .host(fake.host())
                        .transport(t)
                        .poolSize(1)
                        .acquireTimeout(Duration.ofMillis(200))
                        .build();
                DockerStream<Event> held = docker.events(EventsRequest.builder().build())) {
            assertThatThrownBy(docker::version)
                    .isInstanceOf(DockerTimeoutException.class)
                    .hasMessageContaining("1 of 1 connections are in use")
                    .hasMessageContaining("events opened at dev.hostkit.docker.FaultsTest");
            assertThat(held.isClosed()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void idleConnectionsAreClosedAfterTheIdleTimeoutAndOneShotKeepsNone(DockerClient.Transport t) throws Exception {
        try (FakeDockerEngine fake =
                        FakeDockerEngine.start().on("GET", "/version", Reply.json(200, "{\"Version\":\"20.10.24\"}"));
                DockerClient pooled = DockerClient.builder()
                        .host(fake.host())
                        .transport(t)
                        .idleTimeout(Duration.ofMillis(300))
                        .build();
                DockerClient oneShot = DockerClient.builder()
                        .host(fake.host())
                        .transport(t)
                        .oneShot(true)
                        .build()) {
            pooled.version();
            assertThat(pooled.openConnections()).isEqualTo(1);
            for (int i = 0; i < 100 && pooled.openConnections() > 0; i++) {
                Thread.sleep(50);
            }
            assertThat(pooled.openConnections()).isZero();
            oneShot.version();
            assertThat(oneShot.openConnections()).isZero();
        }
    }
}
