package dev.hostkit.cli;

import dev.hostkit.guard.GuardMetrics;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The guardian's metrics served over HTTP for a Prometheus scraper ({@code /metrics}, and {@code /-/healthy}), with
 * the Prometheus Java client's exporter. Bound before the guardian starts, so a bad address stops the command before
 * anything runs; empty until {@link #expose} hands it the guardian. Closing it stops the listener and its threads.
 *
 * <p>Threads: the JDK's HTTP server brings three (its dispatcher and two timers that cut idle and stalled
 * connections); requests run on the dispatcher itself (the exporter's own pool would add up to ten), which a scraper
 * every few seconds never notices. They are named {@code hostkit-metrics-*} so a thread dump tells whose they are.
 */
final class GuardMetricsServer implements AutoCloseable {
    /** The prefix of every thread this server runs. */
    static final String THREAD_PREFIX = "hostkit-metrics-";

    private static final Path TASKS = Path.of("/proc/self/task");
    // The kernel's names (15 characters) of the threads com.sun.net.httpserver starts.
    private static final Set<String> JDK_THREADS = Set.of("HTTP-Dispatcher", "idle-timeout-ta", "req-rsp-timeout");

    private final MetricsAddress address;
    private final PrometheusRegistry registry;
    private final HTTPServer server;

    private GuardMetricsServer(MetricsAddress address, PrometheusRegistry registry, HTTPServer server) {
        this.address = address;
        this.registry = registry;
        this.server = server;
    }

    /**
     * Binds {@code address} and starts serving an empty registry.
     *
     * @throws IOException one line naming the address and why it cannot be bound (in use, a privileged port, not an
     *     address of this host)
     */
    static GuardMetricsServer bind(MetricsAddress address) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        Set<String> tasksBefore = tasks();
        // The JDK's server makes its threads in the creating thread's group: a group of our own names them.
        ThreadGroup group = new ThreadGroup(THREAD_PREFIX.substring(0, THREAD_PREFIX.length() - 1));
        HTTPServer[] started = {null};
        Exception[] failed = {null};
        Thread starter = new Thread(
                group,
                () -> {
                    try {
                        // Only what is given here: no prometheus.properties, system property or variable moves the
                        // port.
                        started[0] = HTTPServer.builder(
                                        PrometheusProperties.builder().build())
                                .inetAddress(address.host())
                                .port(address.port())
                                .registry(registry)
                                .executorService(new OnCallingThread())
                                .buildAndStart();
                    } catch (IOException | RuntimeException e) {
                        failed[0] = e;
                    }
                },
                THREAD_PREFIX + "start");
        starter.setDaemon(true); // the dispatcher inherits it: the server never holds the JVM up
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        }
        if (failed[0] != null || started[0] == null) {
            throw new IOException(
                    "cannot serve metrics on " + address + ": "
                            + (failed[0] == null ? "the server did not start" : why(failed[0], address)),
                    failed[0]);
        }
        Thread[] threads = new Thread[group.activeCount() + 8];
        for (Thread t : Arrays.asList(threads).subList(0, group.enumerate(threads))) {
            if (!t.getName().startsWith(THREAD_PREFIX)) {
                t.setName(THREAD_PREFIX + t.getName().toLowerCase(Locale.ROOT));
            }
        }
        nameTasks(tasksBefore);
        return new GuardMetricsServer(address, registry, started[0]);
    }

    /** Serves the guardian's counters from now on, one fresh copy per scrape. */
    void expose(Supplier<GuardMetrics> metrics) {
        registry.register(new GuardMetricsCollector(metrics));
    }

    /** The address it listens on, with the port the kernel chose when asked for port 0 (tests do). */
    MetricsAddress address() {
        return new MetricsAddress(address.host(), server.getPort());
    }

    /** Stops listening; the server's threads end. */
    @Override
    public void close() {
        server.close();
    }

    private static String why(Exception e, MetricsAddress address) {
        String m = String.valueOf(e.getMessage());
        if (e instanceof BindException && m.startsWith("Address already in use")) {
            return "the port is in use";
        }
        if (e instanceof BindException && m.startsWith("Permission denied")) {
            return "permission denied (port " + address.port()
                    + " is privileged: it needs root or CAP_NET_BIND_SERVICE)";
        }
        if (e instanceof BindException && m.startsWith("Cannot assign requested address")) {
            return "no interface of this host has that address";
        }
        return m;
    }

    // Thread.setName renames a running thread only for Java (thread dumps); the kernel keeps the name it had at start,
    // which top -H and the footprint benchmark read. The JDK's three new tasks get it through their comm file.
    private static void nameTasks(Set<String> before) {
        for (String tid : tasks()) {
            Path comm = TASKS.resolve(tid).resolve("comm");
            try {
                if (!before.contains(tid)
                        && JDK_THREADS.contains(Files.readString(comm).strip())) {
                    Files.writeString(comm, THREAD_PREFIX.substring(0, 15));
                }
            } catch (IOException e) {
                // ended meanwhile, or no /proc: the name is for people reading a process list, nothing depends on it
            }
        }
    }

    private static Set<String> tasks() {
        try (Stream<Path> s = Files.list(TASKS)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** Runs each task on the thread that hands it over: the JDK server's dispatcher serves the request itself. */
    private static final class OnCallingThread extends AbstractExecutorService {
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return shutdown;
        }
    }
}
