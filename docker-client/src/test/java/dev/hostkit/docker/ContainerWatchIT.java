package dev.hostkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The gapless watch against the private dockerd, restarted mid-stream. */
@HostTest
class ContainerWatchIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the engine itself says happened, as {@code action id timeNano}. */
    private static List<String> engineEvents(DockerEngine engine, String label, Instant since, Instant until)
            throws Exception {
        List<String> out = new ArrayList<>();
        String text = engine.docker(
                "events",
                "--since",
                epoch(since),
                "--until",
                epoch(until),
                "--filter",
                "type=container",
                "--filter",
                "label=" + label,
                "--format",
                "{{json .}}");
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                JsonNode n = JSON.readTree(line);
                out.add(n.get("Action").asText() + " "
                        + n.get("Actor").get("ID").asText() + " "
                        + n.get("timeNano").asLong());
            }
        }
        return out;
    }

    private static String epoch(Instant t) {
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    private static String key(Event e) {
        return e.action() + " " + e.actorId() + " " + e.timeNanos();
    }

    /** Collects what the watch delivers on a thread of the test's own, until the watch is closed. */
    private static final class Collector implements AutoCloseable {
        final List<WatchEvent> seen = new ArrayList<>();
        final ContainerWatch watch;
        final Thread thread;
        volatile Throwable failure;

        Collector(ContainerWatch watch) {
            this.watch = watch;
            thread = new Thread(
                    () -> {
                        try {
                            for (WatchEvent w : watch) {
                                synchronized (seen) {
                                    seen.add(w);
                                    seen.notifyAll();
                                }
                            }
                        } catch (Throwable t) {
                            failure = t;
                        }
                    },
                    "hk-test-watch");
            thread.start();
        }

        void await(Predicate<WatchEvent> what, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            synchronized (seen) {
                while (seen.stream().noneMatch(what)) {
                    long left = end - System.nanoTime();
                    assertThat(left)
                            .as("waiting for a watch event; seen so far: %s", seen)
                            .isPositive();
                    seen.wait(Math.max(1, left / 1_000_000));
                }
            }
        }

        List<WatchEvent> snapshot() {
            synchronized (seen) {
                return List.copyOf(seen);
            }
        }

        @Override
        public void close() throws InterruptedException {
            watch.close();
            thread.join(10_000);
        }
    }

    private static Predicate<WatchEvent> change(String action, String id) {
        return w -> w instanceof WatchEvent.Change c
                && c.event().action().equals(action)
                && c.event().actorId().equals(id);
    }

    @Test
    void eventsAcrossAnEngineRestartAreDeliveredOnceInOrderAndTheRestartIsAGap(DockerEngine engine) throws Exception {
        String ctl = System.getenv("HK_DOCKERD_CTL");
        if (ctl == null) {
            Prerequisites.unavailable("needs HK_DOCKERD_CTL (scripts/dev-dockerd NAME) to restart the engine");
        }
        String label = DockerEngine.LABEL + "=" + TestNames.RUN_PREFIX;
        List<String> made = new ArrayList<>();
        try (DockerClient docker = DockerClient.builder().host(engine.host()).build();
                Collector c = new Collector(docker.watch(
                        EventsRequest.builder()
                                .filter("type", "container")
                                .filter("label", label)
                                .build(),
                        Duration.ofMillis(500)))) {
            try {
                c.await(w -> w instanceof WatchEvent.Snapshot, Duration.ofSeconds(30));
                Instant begin = ((WatchEvent.Snapshot) c.snapshot().get(0)).since();
                String a = engine.run(TestNames.next("wa"), "sleep", "600");
                made.add(a);
                engine.docker("kill", a);
                c.await(change("die", a), Duration.ofSeconds(30));
                Instant beforeStop = Instant.now().plusSeconds(1);
                List<String> pre = engineEvents(engine, label, begin, beforeStop);

                Sh.run(ctl, "restart");
                Instant restarted = Instant.now().minusSeconds(1);
                String b = engine.run(TestNames.next("wb"), "sleep", "600");
                made.add(b);
                engine.docker("kill", b);
                c.await(change("die", b), Duration.ofSeconds(60));
                List<String> post =
                        engineEvents(engine, label, restarted, Instant.now().plusSeconds(1));

                List<WatchEvent> seen = c.snapshot();
                List<String> delivered = new ArrayList<>();
                long lastTime = Long.MIN_VALUE;
                int gapAt = -1;
                for (WatchEvent w : seen) {
                    if (w instanceof WatchEvent.Change ch) {
                        assertThat(ch.event().timeNanos()).as("in order").isGreaterThanOrEqualTo(lastTime);
                        lastTime = ch.event().timeNanos();
                        delivered.add(key(ch.event()));
                    } else if (w instanceof WatchEvent.Gap && gapAt < 0) {
                        gapAt = delivered.size();
                    }
                }
                assertThat(new HashSet<>(delivered))
                        .as("each delivered once: %s", delivered)
                        .hasSameSizeAs(delivered);
                assertThat(pre).isNotEmpty();
                assertThat(post).isNotEmpty();
                assertThat(delivered).containsAll(pre).containsAll(post);
                assertThat(gapAt)
                        .as("the restart wiped the engine's log: reported as a gap; seen %s", seen)
                        .isGreaterThanOrEqualTo(0);
                Set<String> afterGap = new HashSet<>(delivered.subList(gapAt, delivered.size()));
                assertThat(afterGap).containsAll(post);
                assertThat(delivered.subList(0, gapAt)).containsAll(pre);
                assertThat(seen).anyMatch(w -> w instanceof WatchEvent.Disconnected);
                assertThat(c.failure).isNull();
            } finally {
                for (String id : made) {
                    engine.remove(id);
                }
            }
        }
    }
}
