package dev.hostkit.docker;

import dev.hostkit.core.ProcFs;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fd proof: open fds counted in /proc/self/fd stay within baseline + pool size under load, and
 * return to the baseline after close (checked again by {@link HostTest} after each test, with threads).
 * Counts are scaled so the suite runs in about a minute; each test prints what it measured.
 */
@HostTest
class FdProofIT {
    private static final int POOL = 8;
    private static final int THREADS = 16;
    private static final int REQUESTS = Integer.getInteger("hk.fdproof.requests", 100_000);
    private static final int STREAMS = Integer.getInteger("hk.fdproof.streams", 1_000);
    private static final int POLLS = Integer.getInteger("hk.fdproof.polls", 10_000);

    @BeforeAll
    static void warmUp() {
        NativeWarmUp.once();
    }

    /**
     * Samples every millisecond and keeps the maxima of all fds and of socket fds (what the client
     * holds; the test's own helper processes use pipes, which only the total sees).
     */
    private static final class FdSampler implements AutoCloseable {
        private final AtomicBoolean run = new AtomicBoolean(true);
        private final AtomicInteger max = new AtomicInteger();
        private final AtomicInteger maxSockets = new AtomicInteger();
        private final Thread thread = new Thread(
                () -> {
                    while (run.get()) {
                        max.accumulateAndGet(ProcFs.openFdCount(), Math::max);
                        maxSockets.accumulateAndGet(socketFds(), Math::max);
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "fd-sampler");

        FdSampler() {
            thread.start();
        }

        int max() {
            return max.get();
        }

        int maxSockets() {
            return maxSockets.get();
        }

        @Override
        public void close() throws InterruptedException {
            run.set(false);
            thread.join();
        }
    }

    static int socketFds() {
        int n = 0;
        try (java.nio.file.DirectoryStream<java.nio.file.Path> fds =
                java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/fd"))) {
            for (java.nio.file.Path fd : fds) {
                try {
                    String target = java.nio.file.Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:") || target.startsWith("anon_inode:")) {
                        n++;
                    }
                } catch (java.io.IOException e) {
                    // closed meanwhile
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return n;
    }

    private static int settledFds() throws InterruptedException {
        Thread.sleep(20);
        return ProcFs.openFdCount();
    }

    private static int fdsPerConnection(DockerClient.Transport t) {
        return 1;
    }

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void requestsFrom16ThreadsWithErrorsNeverHoldMoreThanThePool(DockerClient.Transport transport, DockerEngine engine)
            throws Exception {
        String running = engine.run(TestNames.next("fd"));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            // Load the classes of every path once: class loading opens class files (transient fds).
            try (DockerClient warm = DockerClient.builder()
                    .host(engine.host())
                    .transport(transport)
                    .build()) {
                warm.ping();
                warm.inspectContainer(running);
                try {
                    warm.inspectContainer("hk-missing");
                } catch (DockerNotFoundException expected) {
                    // loaded
                }
                try {
                    warm.removeContainer(running, false, false);
                } catch (DockerConflictException expected) {
                    // loaded
                }
            }
            int baseline = settledFds();
            int baselineSockets = socketFds();
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            long start;
            long elapsed;
            int maxFds;
            int maxSockets;
            try (FdSampler sampler = new FdSampler();
                    DockerClient docker = DockerClient.builder()
                            .host(engine.host())
                            .transport(transport)
                            .poolSize(POOL)
                            .build()) {
                docker.ping();
                AtomicInteger next = new AtomicInteger();
                start = System.nanoTime();
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    work.add(pool.submit(() -> {
                        for (int i; (i = next.getAndIncrement()) < REQUESTS; ) {
                            String outcome;
                            try {
                                switch (i % 10) {
                                    case 0, 1 -> docker.inspectContainer("hk-missing-" + i);
                                    case 2 -> docker.removeContainer(running, false, false);
                                    case 3 -> docker.inspectContainer(running);
                                    default -> docker.ping();
                                }
                                outcome = "200";
                            } catch (DockerNotFoundException e) {
                                outcome = "404";
                            } catch (DockerConflictException e) {
                                outcome = "409";
                            }
                            outcomes.computeIfAbsent(outcome, k -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
                elapsed = System.nanoTime() - start;
                assertThat(docker.openConnections()).isLessThanOrEqualTo(POOL);
                maxFds = sampler.max();
                maxSockets = sampler.maxSockets();
            }
            int after = settledFds();
            System.out.printf(
                    "fd proof %s: %d requests from %d threads in %d ms (%.0f req/s), outcomes %s, fds baseline %d, max %d; "
                            + "socket+epoll fds baseline %d, max %d (bound %d); after close %d%n",
                    transport,
                    REQUESTS,
                    THREADS,
                    elapsed / 1_000_000,
                    REQUESTS / (elapsed / 1e9),
                    outcomes,
                    baseline,
                    maxFds,
                    baselineSockets,
                    maxSockets,
                    baselineSockets + POOL * fdsPerConnection(transport),
                    after);
            assertThat(outcomes.get("200").get()
                            + outcomes.get("404").get()
                            + outcomes.get("409").get())
                    .isEqualTo(REQUESTS);
            assertThat(outcomes.get("404").get()).isEqualTo(REQUESTS / 5);
            assertThat(maxSockets).isLessThanOrEqualTo(baselineSockets + POOL * fdsPerConnection(transport));
            assertThat(after).isLessThanOrEqualTo(baseline);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            engine.remove(running);
        }
    }

    @Test
    void eventStreamsClosedHalfReadReleaseTheirConnections(DockerEngine engine) throws Exception {
        String c = engine.run(TestNames.next("ev"), "true");
        engine.docker("wait", c);
        int baseline = settledFds();
        int maxFds;
        try (FdSampler sampler = new FdSampler();
                DockerClient docker = DockerClient.builder()
                        .host(engine.host())
                        .poolSize(POOL)
                        .build()) {
            Instant since = Instant.now().minusSeconds(60);
            for (int i = 0; i < STREAMS; i++) {
                try (DockerStream<Event> events = docker.events(EventsRequest.builder()
                        .since(since)
                        .filter("container", c)
                        .build())) {
                    assertThat(events.next().actorId()).isEqualTo(c); // more events follow; the stream stays open
                }
                assertThat(docker.openConnections()).isLessThanOrEqualTo(POOL);
            }
            maxFds = sampler.max();
            assertThat(docker.ping().apiVersion()).isNotEmpty();
        } finally {
            engine.remove(c);
        }
        int after = settledFds();
        System.out.printf(
                "fd proof: %d event streams opened, read once, closed: fds baseline %d, max %d, after close %d%n",
                STREAMS, baseline, maxFds, after);
        assertThat(maxFds).isLessThanOrEqualTo(baseline + POOL);
        assertThat(after).isLessThanOrEqualTo(baseline);
    }

    @Test
    void followedLogStreamsCancelledFromAnotherThreadUnblockAndReleaseConnections(DockerEngine engine)
            throws Exception {
        String c = engine.run(TestNames.next("lg"), "sh", "-c", "echo start; sleep 3600");
        ExecutorService readers = Executors.newSingleThreadExecutor();
        int baseline = settledFds();
        List<Long> unblockMicros = new ArrayList<>();
        int maxFds;
        try (FdSampler sampler = new FdSampler();
                DockerClient docker = DockerClient.builder()
                        .host(engine.host())
                        .poolSize(POOL)
                        .build()) {
            for (int i = 0; i < STREAMS; i++) {
                DockerStream<LogFrame> logs = docker.logs(
                        c, LogsRequest.builder().follow(true).tail(0).build());
                CountDownLatch blocked = new CountDownLatch(1);
                AtomicLong ended = new AtomicLong();
                Future<LogFrame> reader = readers.submit(() -> {
                    blocked.countDown();
                    LogFrame f = logs.next(); // nothing new is written: blocks until closed
                    ended.set(System.nanoTime());
                    return f;
                });
                blocked.await();
                Thread.sleep(1);
                long closing = System.nanoTime();
                logs.close();
                assertThat(reader.get(10, TimeUnit.SECONDS)).isNull();
                unblockMicros.add((ended.get() - closing) / 1000);
            }
            maxFds = sampler.max();
            assertThat(docker.openConnections()).isLessThanOrEqualTo(POOL);
        } finally {
            readers.shutdownNow();
            readers.awaitTermination(10, TimeUnit.SECONDS);
            engine.remove(c);
        }
        int after = settledFds();
        unblockMicros.sort(null);
        System.out.printf(
                "fd proof: %d followed log streams closed from another thread: reader unblocked after p50 %d us, p99 %d us, max %d us; fds baseline %d, max %d, after close %d%n",
                STREAMS,
                unblockMicros.get(unblockMicros.size() / 2),
                unblockMicros.get(unblockMicros.size() * 99 / 100),
                unblockMicros.get(unblockMicros.size() - 1),
                baseline,
                maxFds,
                after);
        assertThat(maxFds).isLessThanOrEqualTo(baseline + POOL);
        assertThat(after).isLessThanOrEqualTo(baseline);
    }

    @Test
    void engineRestartFailsCallsAsUnavailableThenTheSameClientRecovers(DockerEngine engine) throws Exception {
        String ctl = System.getenv("HK_DOCKERD_CTL");
        if (ctl == null) {
            Prerequisites.unavailable(
                    "needs HK_DOCKERD_CTL (scripts/test or scripts/dev-dockerd) to restart the private engine");
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        int baseline = settledFds();
        int baselineSockets = socketFds();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        int maxFds;
        try (FdSampler sampler = new FdSampler();
                DockerClient docker = DockerClient.builder()
                        .host(engine.host())
                        .poolSize(POOL)
                        .build()) {
            docker.ping();
            DockerStream<Event> events = docker.events(EventsRequest.builder().build());
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                work.add(pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            docker.version();
                            outcomes.computeIfAbsent("ok", k -> new AtomicInteger())
                                    .incrementAndGet();
                        } catch (DockerUnavailableException e) {
                            outcomes.computeIfAbsent("unavailable", k -> new AtomicInteger())
                                    .incrementAndGet();
                            sleep(5);
                        } catch (RuntimeException e) {
                            unexpected.add(e);
                        }
                    }
                }));
            }
            Thread.sleep(300);
            Sh.run(ctl, "stop");
            try {
                Thread.sleep(500);
                // The engine ends the stream (after the events of its shutdown: containers that other
                // users of a shared engine left running are killed and reported first).
                int drained = 0;
                while (events.next() != null) {
                    assertThat(++drained).as("events after the engine stopped").isLessThan(10_000);
                }
            } catch (DockerUnavailableException expected) {
                // or the connection broke mid-chunk: either way the stream is over and its connection gone
            } finally {
                events.close();
                Sh.run(ctl, "start");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int okBefore = outcomes.get("ok").get();
            while (outcomes.get("ok").get() < okBefore + 100 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            stop.set(true);
            for (Future<?> f : work) {
                f.get();
            }
            assertThat(docker.info().serverVersion()).isNotEmpty(); // same client, no restart
            maxFds = sampler.maxSockets();
        } finally {
            stop.set(true);
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        int after = settledFds();
        System.out.printf(
                "fd proof: engine restart under 16 threads: outcomes %s, socket fds baseline %d, max %d; fds baseline %d, after close %d%n",
                outcomes, baselineSockets, maxFds, baseline, after);
        assertThat(unexpected).isEmpty();
        assertThat(outcomes.get("unavailable").get()).isPositive();
        assertThat(maxFds).isLessThanOrEqualTo(baselineSockets + POOL);
        assertThat(after).isLessThanOrEqualTo(baseline);
    }

    @Test
    void aFreshNeverClosedClientPerPollLeavesFdsBoundedAfterGc(DockerEngine engine) throws Exception {
        int baseline = settledFds();
        int maxFds;
        long start = System.nanoTime();
        try (FdSampler sampler = new FdSampler()) {
            for (int i = 0; i < POLLS; i++) {
                // The incident's pattern: a new client (new transport) per poll, never closed.
                DockerClient leaked = DockerClient.builder()
                        .host(engine.host())
                        .apiVersion("1.41")
                        .build();
                leaked.listContainers(ListContainersRequest.builder()
                        .filter("label", "hk-none=" + i)
                        .build());
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (ProcFs.openFdCount() > baseline + POOL && System.nanoTime() < end) {
                System.gc();
                Thread.sleep(100);
            }
            maxFds = sampler.max();
        }
        int after = settledFds();
        System.out.printf(
                "fd proof: %d polls with a fresh never-closed client in %d ms: fds baseline %d, max during %d, after GC %d%n",
                POLLS, (System.nanoTime() - start) / 1_000_000, baseline, maxFds, after);
        assertThat(after).isLessThanOrEqualTo(baseline + POOL);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
