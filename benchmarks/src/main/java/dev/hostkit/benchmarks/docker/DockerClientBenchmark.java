package dev.hostkit.benchmarks.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.hostkit.docker.CreateContainerRequest;
import dev.hostkit.docker.ListContainersRequest;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * hostkit's Docker client (both transports) vs docker-java 3.5.1 (core + zerodep transport) vs a floor
 * (a bare JDK unix-socket HTTP/1.1 keep-alive loop that parses nothing), side by side, in alternating
 * rounds against the same engine: {@code GET /containers/json} with 20 running containers and
 * {@code /_ping}, at 1 and 16 threads. Prints throughput, p50/p99 and the maximum of socket fds.
 *
 * <p>Usage: {@code DockerClientBenchmark [seconds-per-cell=4] [rounds=3]} with {@code DOCKER_HOST=unix://...}
 * (never the system socket) and {@code HK_TEST_IMAGE}.
 */
public final class DockerClientBenchmark {
    private static final String LABEL = "dev.hostkit.bench";
    private static final int[] THREADS = {1, 16};
    private static final String[] OPS = {"list", "ping"};

    private DockerClientBenchmark() {}

    /** A way of making one request; one instance is shared by all threads of a cell. */
    interface Peer extends AutoCloseable {
        Runnable op(String op) throws IOException;

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String host = System.getenv("DOCKER_HOST");
        if (host == null
                || !host.startsWith("unix://")
                || host.contains("/var/run/docker.sock")
                || host.equals("unix:///run/docker.sock")) {
            throw new IllegalStateException(
                    "set DOCKER_HOST=unix:///path to a private engine (eval $(scripts/dev-dockerd))");
        }
        String image = System.getenv().getOrDefault("HK_TEST_IMAGE", "hostkit-test/busybox:latest");
        List<String> containers = new ArrayList<>();
        try (dev.hostkit.docker.DockerClient setup =
                dev.hostkit.docker.DockerClient.builder().host(host).build()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> removeAll(host)));
            for (int i = 0; i < 20; i++) {
                String id = setup.createContainer(CreateContainerRequest.builder(image)
                        .networkMode("none")
                        .label(LABEL, "1")
                        .cmd("sleep", "3600")
                        .build());
                setup.startContainer(id);
                containers.add(id);
            }
            int running = setup.listContainers(ListContainersRequest.RUNNING).size();
            System.out.printf(
                    "engine %s, %d running containers, %d s per cell, %d rounds%n",
                    setup.version().version(), running, seconds, rounds);
        }
        Map<String, List<Result>> results = new LinkedHashMap<>();
        int fdBaseline = socketFds();
        for (int round = 0; round < rounds; round++) {
            for (String op : OPS) {
                for (int threads : THREADS) {
                    for (String peer : List.of("floor", "hostkit-jdk", "hostkit-jnr", "docker-java")) {
                        Result r = cell(peer, op, threads, seconds, host, fdBaseline);
                        results.computeIfAbsent(op + "/" + threads + "/" + peer, k -> new ArrayList<>())
                                .add(r);
                        System.out.printf(
                                Locale.ROOT,
                                "round %d %-5s %2d threads %-12s %9.0f req/s  p50 %7.1f us  p99 %8.1f us  max socket fds +%d%n",
                                round + 1,
                                op,
                                threads,
                                peer,
                                r.throughput,
                                r.p50,
                                r.p99,
                                r.maxFds);
                    }
                }
            }
        }
        System.out.println();
        // The host is shared: a build elsewhere slows every peer of a round alike, so the ratio to the
        // floor is taken within each round (the floor ran seconds before) and its median reported.
        System.out.println(
                "| call | threads | peer | req/s (median of rounds) | p50 us | p99 us | max socket fds | vs floor (median of per-round ratios) | per-round ratios |");
        System.out.println("|---|---:|---|---:|---:|---:|---:|---:|---|");
        for (String op : OPS) {
            for (int threads : THREADS) {
                List<Result> floor = results.get(op + "/" + threads + "/floor");
                for (String peer : List.of("floor", "hostkit-jdk", "hostkit-jnr", "docker-java")) {
                    List<Result> rs = results.get(op + "/" + threads + "/" + peer);
                    Result m = rs.stream()
                            .sorted((a, b) -> Double.compare(a.throughput, b.throughput))
                            .toList()
                            .get(rs.size() / 2);
                    double[] ratios = new double[rs.size()];
                    for (int i = 0; i < rs.size(); i++) {
                        ratios[i] = rs.get(i).throughput / floor.get(i).throughput;
                    }
                    StringBuilder each = new StringBuilder();
                    for (double r : ratios) {
                        each.append(each.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", r));
                    }
                    double[] sorted = ratios.clone();
                    Arrays.sort(sorted);
                    System.out.printf(
                            Locale.ROOT,
                            "| %s | %d | %s | %.0f | %.0f | %.0f | %d | %.2f | %s |%n",
                            op,
                            threads,
                            peer,
                            m.throughput,
                            m.p50,
                            m.p99,
                            rs.stream().mapToInt(r -> r.maxFds).max().orElse(0),
                            sorted[sorted.length / 2],
                            each);
                }
            }
        }
        System.out.println();
        System.out.println("p99 per round (us):");
        for (String op : OPS) {
            for (int threads : THREADS) {
                for (String peer : List.of("floor", "hostkit-jdk", "hostkit-jnr", "docker-java")) {
                    StringBuilder each = new StringBuilder();
                    for (Result r : results.get(op + "/" + threads + "/" + peer)) {
                        each.append(String.format(Locale.ROOT, " %.0f", r.p99));
                    }
                    System.out.printf(Locale.ROOT, "  %s/%d %-12s%s%n", op, threads, peer, each);
                }
            }
        }
        removeAll(host);
    }

    record Result(double throughput, double p50, double p99, int maxFds) {}

    private static Peer peer(String name, String host, int threads) {
        int pool = Math.max(8, threads);
        return switch (name) {
            case "floor" -> new FloorPeer(host);
            case "hostkit-jdk", "hostkit-jnr" -> {
                dev.hostkit.docker.DockerClient c = dev.hostkit.docker.DockerClient.builder()
                        .host(host)
                        .poolSize(pool)
                        .transport(
                                name.endsWith("jdk")
                                        ? dev.hostkit.docker.DockerClient.Transport.JDK
                                        : dev.hostkit.docker.DockerClient.Transport.JNR)
                        .build();
                yield new Peer() {
                    @Override
                    public Runnable op(String op) {
                        return op.equals("ping") ? c::ping : () -> c.listContainers(ListContainersRequest.RUNNING);
                    }

                    @Override
                    public void close() {
                        c.close();
                    }
                };
            }
            case "docker-java" -> {
                var config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                        .withDockerHost(host)
                        .build();
                var http = new ZerodepDockerHttpClient.Builder()
                        .dockerHost(config.getDockerHost())
                        .maxConnections(pool)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .responseTimeout(Duration.ofSeconds(60))
                        .build();
                DockerClient c = DockerClientImpl.getInstance(config, http);
                yield new Peer() {
                    @Override
                    public Runnable op(String op) {
                        return op.equals("ping")
                                ? () -> c.pingCmd().exec()
                                : () -> c.listContainersCmd().exec();
                    }

                    @Override
                    public void close() {
                        try {
                            c.close();
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    }
                };
            }
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Result cell(String peerName, String op, int threads, int seconds, String host, int fdBaseline)
            throws Exception {
        try (Peer peer = peer(peerName, host, threads)) {
            // Warm-up: a second of the same work.
            run(peer, op, threads, 1, null);
            AtomicInteger maxFds = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxFds.accumulateAndGet(socketFds() - fdBaseline, Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            List<long[]> lat = new ArrayList<>();
            long start = System.nanoTime();
            long n = run(peer, op, threads, seconds, lat);
            double secs = (System.nanoTime() - start) / 1e9;
            sampling.set(false);
            sampler.join();
            long[] all = lat.stream()
                    .flatMapToLong(Arrays::stream)
                    .filter(v -> v > 0)
                    .sorted()
                    .toArray();
            return new Result(
                    n / secs, all[all.length / 2] / 1000.0, all[(int) (all.length * 0.99)] / 1000.0, maxFds.get());
        }
    }

    private static long run(Peer peer, String op, int threads, int seconds, List<long[]> latencies) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger count = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> errors = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] lat = new long[2_000_000 / threads];
            if (latencies != null) {
                synchronized (latencies) {
                    latencies.add(lat);
                }
            }
            Runnable task = peer.op(op);
            Thread th = new Thread(() -> {
                int i = 0;
                try {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        task.run();
                        if (i < lat.length) {
                            lat[i++] = System.nanoTime() - s;
                        }
                        count.incrementAndGet();
                    }
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                } finally {
                    done.countDown();
                }
            });
            th.start();
        }
        done.await();
        if (!errors.isEmpty()) {
            throw new IllegalStateException("requests failed", errors.get(0));
        }
        return count.get();
    }

    static int socketFds() {
        int n = 0;
        try (var fds = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/fd"))) {
            for (var fd : fds) {
                try {
                    String t = java.nio.file.Files.readSymbolicLink(fd).toString();
                    if (t.startsWith("socket:") || t.startsWith("anon_inode:")) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return n;
    }

    private static void removeAll(String host) {
        try {
            new ProcessBuilder(
                            "sh",
                            "-c",
                            "ids=$(docker -H " + host + " ps -aq --filter label=" + LABEL
                                    + "); [ -z \"$ids\" ] || docker -H " + host + " rm -f $ids >/dev/null")
                    .inheritIO()
                    .start()
                    .waitFor();
        } catch (IOException | InterruptedException e) {
            System.err.println("cleanup failed: " + e);
        }
    }

    /**
     * The floor: per thread one JDK unix socket, requests written by hand, responses skipped by finding
     * their end (Content-Length or the last chunk) without parsing anything else.
     */
    static final class FloorPeer implements Peer {
        private final String path;
        private final List<SocketChannel> open = new ArrayList<>();

        FloorPeer(String host) {
            this.path = host.substring("unix://".length());
        }

        @Override
        public Runnable op(String op) throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(path));
            synchronized (open) {
                open.add(ch);
            }
            byte[] req = ((op.equals("ping") ? "GET /_ping" : "GET /v1.41/containers/json")
                            + " HTTP/1.1\r\nHost: docker\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            ByteBuffer in = ByteBuffer.allocate(1 << 20);
            return () -> {
                try {
                    ch.write(ByteBuffer.wrap(req));
                    in.clear();
                    while (!complete(in)) {
                        if (ch.read(in) < 0) {
                            throw new IOException("engine closed the connection");
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
        }

        private static boolean complete(ByteBuffer in) {
            byte[] a = in.array();
            int n = in.position();
            int head = indexOf(a, n, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
            if (head < 0) {
                return false;
            }
            String h = new String(a, 0, head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            int cl = h.indexOf("content-length:");
            if (cl >= 0) {
                int eol = h.indexOf("\r\n", cl);
                int len = Integer.parseInt(
                        h.substring(cl + 15, eol < 0 ? h.length() : eol).strip());
                return n >= head + 4 + len;
            }
            return n >= 5 && new String(a, n - 5, 5, StandardCharsets.ISO_8859_1).equals("0\r\n\r\n");
        }

        private static int indexOf(byte[] a, int n, byte[] pat, int from) {
            outer:
            for (int i = from; i <= n - pat.length; i++) {
                for (int j = 0; j < pat.length; j++) {
                    if (a[i + j] != pat[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        @Override
        public void close() {
            synchronized (open) {
                for (SocketChannel c : open) {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // benchmark teardown
                    }
                }
            }
        }
    }
}
