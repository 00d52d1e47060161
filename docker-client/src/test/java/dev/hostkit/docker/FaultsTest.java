package dev.hostkit.docker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hostkit.docker.FakeEngine.response;
import static dev.hostkit.docker.FakeEngine.withPing;
import static dev.hostkit.docker.FakeEngine.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Faults a real engine will not produce, against {@link FakeEngine}, for both transports. */
class FaultsTest {

    private static DockerClient client(FakeEngine fake, DockerClient.Transport t) {
        return DockerClient.builder().host(fake.host()).transport(t).readTimeout(Duration.ofMillis(500)).build();
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void malformedJsonBecomesMalformedResponseNamingTheBody(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, response(200, "{\"Version\": \"20.10\", oops"));
            return true;
        })); DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version).isInstanceOf(DockerException.class)
                    .hasMessageContaining("not valid JSON").hasMessageContaining("oops");
            // The connection was read to its end and stays usable.
            assertThatThrownBy(docker::version).isInstanceOf(DockerException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void connectionDroppedMidBodyIsUnavailableAndNextCallWorks(DockerClient.Transport t) throws Exception {
        int[] n = {0};
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            if (n[0]++ == 0) {
                write(ch, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Version\":");
                return false;
            }
            write(ch, response(200, "{\"Version\":\"20.10.24\"}"));
            return true;
        })); DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version).isInstanceOf(DockerUnavailableException.class)
                    .hasMessageContaining("GET /v1.41/version");
            assertThat(docker.version().version()).isEqualTo("20.10.24");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void serverThatNeverAnswersHitsTheReadTimeout(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> true)); DockerClient docker = client(fake, t)) {
            long start = System.nanoTime();
            assertThatThrownBy(docker::info).isInstanceOf(DockerTimeoutException.class)
                    .hasMessageContaining("within 500 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void idleConnectionClosedByServerIsReplacedForTheNextIdempotentCall(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, response(200, "{\"Version\":\"20.10.24\"}"));
            return true;
        })); DockerClient docker = client(fake, t)) {
            docker.version();
            fake.dropConnections();
            Thread.sleep(50);
            assertThat(docker.version().version()).isEqualTo("20.10.24");
            assertThat(fake.accepted.get()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void serverErrorCarriesTheEngineMessageOrSaysThereWasNoBody(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, p.endsWith("/info") ? response(500, "{\"message\":\"devmapper: pool is full\"}")
                    : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
            return true;
        })); DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::info).isInstanceOf(DockerServerException.class)
                    .hasMessage("GET /v1.41/info: 500 devmapper: pool is full");
            assertThatThrownBy(docker::version).isInstanceOf(DockerServerException.class)
                    .hasMessage("GET /v1.41/version: 500 (no body)");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void streamCloseFromAnotherThreadUnblocksTheReaderPromptly(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            return true; // then silence, as an idle event stream
        })); DockerClient docker = client(fake, t)) {
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
        try (FakeEngine fake = new FakeEngine((m, p, ch) -> {
            write(ch, "HTTP/1.1 200 OK\r\nApi-Version: 1.12\r\nContent-Length: 0\r\n\r\n");
            return true;
        }); DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version).hasMessageContaining("API 1.12, older than the oldest this client supports (1.24)");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void engineNewerThanClientQuotesTheEnginesVersionMessage(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine((m, p, ch) -> {
            if (p.equals("/_ping")) {
                write(ch, "HTTP/1.1 200 OK\r\nApi-Version: 1.52\r\nContent-Length: 0\r\n\r\n");
            } else {
                write(ch, response(400, "{\"message\":\"client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version\"}"));
            }
            return true;
        }); DockerClient docker = client(fake, t)) {
            assertThat(docker.apiVersion()).isEqualTo("1.43");
            assertThatThrownBy(docker::version).isInstanceOf(DockerBadRequestException.class)
                    .hasMessageContaining("client version 1.43 is too old. Minimum supported API version is 1.44")
                    .hasMessageContaining("this client speaks API 1.24 to 1.43");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void redirectsAreNotFollowed(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, "HTTP/1.1 301 Moved\r\nLocation: /v1.41/images/json\r\nContent-Length: 0\r\n\r\n");
            return true;
        })); DockerClient docker = client(fake, t)) {
            assertThatThrownBy(docker::version).isInstanceOf(DockerException.class);
            assertThat(fake.requests).doesNotContain("GET /v1.41/images/json");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void sendsUserAgent(DockerClient.Transport t) throws Exception {
        AtomicReference<String> ua = new AtomicReference<>();
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, response(200, "{}"));
            return true;
        })); DockerClient docker = DockerClient.builder().host(fake.host()).transport(t).userAgent("probe/1").build()) {
            docker.version();
            assertThat(fake.requests).contains("HEAD /_ping", "GET /v1.41/version");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void missingSocketIsUnavailableWithRemedy(DockerClient.Transport t) {
        try (DockerClient docker = DockerClient.builder().host("unix:///nonexistent/hk/docker.sock").transport(t).build()) {
            assertThatThrownBy(docker::ping).isInstanceOf(DockerUnavailableException.class)
                    .hasMessageContaining("/nonexistent/hk/docker.sock does not exist: is dockerd running?");
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void refusedSocketIsUnavailableWithRemedy(DockerClient.Transport t) throws Exception {
        FakeEngine fake = new FakeEngine((m, p, ch) -> true);
        java.nio.file.Path dead = fake.socket().resolveSibling("dead.sock");
        // A socket file nobody listens on: bind, then close the listener.
        try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(dead));
        }
        try (DockerClient docker = DockerClient.builder().host("unix://" + dead).transport(t).build()) {
            assertThatThrownBy(docker::ping).isInstanceOf(DockerUnavailableException.class)
                    .hasMessageContaining("nothing accepts connections on " + dead);
        } finally {
            java.nio.file.Files.deleteIfExists(dead);
            fake.close();
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void callsAfterCloseFailFast(DockerClient.Transport t) throws IOException {
        DockerClient docker = DockerClient.builder().host("unix:///nonexistent/x.sock").transport(t).apiVersion("1.41").build();
        docker.close();
        assertThatThrownBy(docker::info).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void streamDroppedWithoutCloseIsClosedAfterGc(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            return true;
        })); DockerClient docker = client(fake, t)) {
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
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            return true;
        })); DockerClient docker = DockerClient.builder().host(fake.host()).transport(t).poolSize(1)
                .acquireTimeout(Duration.ofMillis(200)).build();
             DockerStream<Event> held = docker.events(EventsRequest.builder().build())) {
            assertThatThrownBy(docker::version).isInstanceOf(DockerTimeoutException.class)
                    .hasMessageContaining("1 of 1 connections are in use")
                    .hasMessageContaining("events opened at dev.hostkit.docker.FaultsTest");
            assertThat(held.isClosed()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void idleConnectionsAreClosedAfterTheIdleTimeoutAndOneShotKeepsNone(DockerClient.Transport t) throws Exception {
        try (FakeEngine fake = new FakeEngine(withPing((m, p, ch) -> {
            write(ch, response(200, "{\"Version\":\"20.10.24\"}"));
            return true;
        })); DockerClient pooled = DockerClient.builder().host(fake.host()).transport(t).idleTimeout(Duration.ofMillis(300)).build();
             DockerClient oneShot = DockerClient.builder().host(fake.host()).transport(t).oneShot(true).build()) {
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
