package dev.hostkit.docker;

import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The gapless watch against the testkit's {@link FakeDockerEngine}: cut connections, replays, forgotten events. */
class ContainerWatchTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final String INFO = "{\"SystemTime\":\"2023-11-14T22:13:20.000000000Z\"}";
    private static final String INFO_LATER = "{\"SystemTime\":\"2023-11-14T22:13:30.000000000+00:00\"}";
    private static final String LIST = "[{\"Id\":\"c1\",\"Names\":[\"/one\"],\"State\":\"running\"}]";

    private static String event(String action, String id, long nanos) {
        return "{\"Type\":\"container\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"" + id
                + "\",\"Attributes\":{\"name\":\"" + id + "\"}},\"time\":" + nanos / 1_000_000_000L + ",\"timeNano\":"
                + nanos + "}\n";
    }

    private static DockerClient client(FakeDockerEngine fake) {
        return DockerClient.builder()
                .host(fake.host())
                .readTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static String change(WatchEvent w) {
        assertThat(w).isInstanceOf(WatchEvent.Change.class);
        Event e = ((WatchEvent.Change) w).event();
        return e.action() + " " + e.actorId();
    }

    @Test
    void aCutConnectionResumesFromTheLastEventAndDeliversEachOnceInOrder() {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.json(200, INFO), Reply.json(200, INFO_LATER))
                        .on("GET", "/containers/json", Reply.json(200, LIST))
                        .on(
                                "GET",
                                "/events",
                                Reply.stream(
                                        event("start", "a", T0 + 1),
                                        event("die", "a", T0 + 2),
                                        event("start", "b", T0 + 3)),
                                // the replay from the last delivered event (inclusive) to the engine's present: it
                                // proves continuity
                                Reply.body(
                                        200,
                                        "application/json",
                                        event("start", "b", T0 + 3) + event("die", "b", T0 + 4)),
                                // the follow from the present: the boundary event comes again and is dropped
                                Reply.stream(event("die", "b", T0 + 4), event("start", "c", T0 + 5)));
                DockerClient docker = client(fake);
                ContainerWatch watch = docker.watch(
                        EventsRequest.builder().filter("type", "container").build(), Duration.ofMillis(200))) {
            WatchEvent first = watch.next();
            assertThat(first).isInstanceOf(WatchEvent.Snapshot.class);
            assertThat(((WatchEvent.Snapshot) first).containers())
                    .extracting(ContainerSummary::id)
                    .containsExactly("c1");
            assertThat(((WatchEvent.Snapshot) first).since()).isEqualTo(Instant.ofEpochSecond(0, T0));
            assertThat(change(watch.next())).isEqualTo("start a");
            assertThat(change(watch.next())).isEqualTo("die a");
            assertThat(change(watch.next())).isEqualTo("start b");
            fake.closeAllConnections();
            WatchEvent cut = watch.next();
            assertThat(cut).isInstanceOf(WatchEvent.Disconnected.class);
            assertThat(((WatchEvent.Disconnected) cut).attempt()).isEqualTo(1);
            assertThat(change(watch.next())).isEqualTo("die b");
            assertThat(change(watch.next())).isEqualTo("start c");

            List<FakeDockerEngine.Request> events = fake.requests().stream()
                    .filter(r -> r.path().endsWith("/events"))
                    .toList();
            assertThat(events).hasSize(3);
            assertThat(events.get(0).query())
                    .contains("since=1700000000.000000000")
                    .doesNotContain("until");
            assertThat(events.get(1).query())
                    .contains("since=1700000000.000000003")
                    .contains("until=1700000010.000000000");
            assertThat(events.get(2).query())
                    .contains("since=1700000010.000000000")
                    .doesNotContain("until");
            assertThat(events.get(0).query()).contains("filters=");
        }
    }

    @Test
    void anEngineThatForgotTheLastEventIsReportedAsAGapThenAFreshList() {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.json(200, INFO), Reply.json(200, INFO_LATER))
                        .on("GET", "/containers/json", Reply.json(200, LIST), Reply.json(200, "[]"))
                        .on(
                                "GET",
                                "/events",
                                Reply.stream(event("start", "a", T0 + 1)),
                                // restarted engine: its log starts after the restart, "start a" is gone
                                Reply.body(200, "application/json", event("start", "r", T0 + 9)),
                                Reply.stream(event("die", "r", T0 + 10_000_000_001L)));
                DockerClient docker = client(fake);
                ContainerWatch watch = docker.watch(EventsRequest.builder().build(), Duration.ofMillis(200))) {
            assertThat(watch.next()).isInstanceOf(WatchEvent.Snapshot.class);
            assertThat(change(watch.next())).isEqualTo("start a");
            fake.closeAllConnections();
            assertThat(watch.next()).isInstanceOf(WatchEvent.Disconnected.class);
            WatchEvent gap = watch.next();
            assertThat(gap).isInstanceOf(WatchEvent.Gap.class);
            assertThat(((WatchEvent.Gap) gap).from()).isEqualTo(Instant.ofEpochSecond(0, T0 + 1));
            assertThat(((WatchEvent.Gap) gap).to()).isEqualTo(Instant.ofEpochSecond(0, T0 + 10_000_000_000L));
            assertThat(((WatchEvent.Gap) gap).reason())
                    .contains("no longer has the last delivered event")
                    .contains("start a");
            assertThat(change(watch.next())).isEqualTo("start r");
            WatchEvent fresh = watch.next();
            assertThat(fresh).isInstanceOf(WatchEvent.Snapshot.class);
            assertThat(((WatchEvent.Snapshot) fresh).containers()).isEmpty();
            assertThat(change(watch.next())).isEqualTo("die r");
        }
    }

    @Test
    void anEngineThatStaysAwayIsRetriedWithGrowingBackoffUntilClosed() throws Exception {
        FakeDockerEngine fake = FakeDockerEngine.start()
                .on("GET", "/info", Reply.json(200, INFO))
                .on("GET", "/containers/json", Reply.json(200, LIST))
                .on("GET", "/events", Reply.stream());
        try (DockerClient docker = client(fake);
                ContainerWatch watch = docker.watch(EventsRequest.builder().build(), Duration.ofMillis(400))) {
            assertThat(watch.next()).isInstanceOf(WatchEvent.Snapshot.class);
            fake.close(); // the engine is gone, socket and all
            List<Duration> waits = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                WatchEvent w = watch.next();
                assertThat(w).isInstanceOf(WatchEvent.Disconnected.class);
                WatchEvent.Disconnected d = (WatchEvent.Disconnected) w;
                assertThat(d.attempt()).isEqualTo(i + 1);
                assertThat(d.cause()).isInstanceOf(DockerUnavailableException.class);
                waits.add(d.retryIn());
            }
            assertThat(waits)
                    .containsExactly(
                            Duration.ofMillis(100),
                            Duration.ofMillis(200),
                            Duration.ofMillis(400),
                            Duration.ofMillis(400));
            // close() from another thread ends the back-off sleep at once
            AtomicReference<WatchEvent> last = new AtomicReference<>(new WatchEvent.Gap(null, null, "sentinel"));
            CountDownLatch done = new CountDownLatch(1);
            Thread t = new Thread(
                    () -> {
                        last.set(watch.next());
                        done.countDown();
                    },
                    "hk-test-watch");
            t.start();
            Thread.sleep(50);
            watch.close();
            assertThat(done.await(2, TimeUnit.SECONDS)).isTrue();
            assertThat(last.get()).isNull();
            t.join();
        }
    }

    @Test
    void closeEndsANextBlockedOnAQuietStream() throws Exception {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.json(200, INFO))
                        .on("GET", "/containers/json", Reply.json(200, LIST))
                        .on("GET", "/events", Reply.stream());
                DockerClient docker = client(fake)) {
            ContainerWatch watch = docker.watch(EventsRequest.builder().build());
            assertThat(watch.next()).isInstanceOf(WatchEvent.Snapshot.class);
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<Object> result = new AtomicReference<>("none");
            Thread t = new Thread(
                    () -> {
                        result.set(watch.next());
                        done.countDown();
                    },
                    "hk-test-watch");
            t.start();
            Thread.sleep(100);
            watch.close();
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(result.get()).isNull();
            assertThat(docker.openConnections())
                    .as("the stream's connection is closed, not pooled")
                    .isZero();
            t.join();
        }
    }

    @Test
    void badInputIsRefusedBeforeAnyCall() {
        try (FakeDockerEngine fake = FakeDockerEngine.start();
                DockerClient docker = client(fake)) {
            assertThatThrownBy(() -> docker.watch(
                            EventsRequest.builder().since(Instant.EPOCH).build()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("since");
            assertThatThrownBy(() -> docker.watch(EventsRequest.builder().build(), Duration.ofMillis(10)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least 100 ms");
            assertThat(fake.requests()).isEmpty();
        }
    }

    @Test
    void aFailureRetryingCannotFixIsThrown() {
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.json(200, INFO))
                        .on("GET", "/containers/json", Reply.json(200, LIST))
                        .on("GET", "/events", Reply.error(400, "invalid filter 'nope'"));
                DockerClient docker = client(fake);
                ContainerWatch watch =
                        docker.watch(EventsRequest.builder().filter("nope", "x").build())) {
            assertThatThrownBy(watch::next)
                    .isInstanceOf(DockerBadRequestException.class)
                    .hasMessageContaining("invalid filter");
        }
    }
}
