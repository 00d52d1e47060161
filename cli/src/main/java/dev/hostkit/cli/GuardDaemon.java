package dev.hostkit.cli;

import dev.hostkit.guard.GuardEvent;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.LinkNames;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What {@code hostkit guard} does once its command line is read, by {@link GuardCommand} (picocli) or
 * {@link GuardLaunch} (the deployed command line, read by hand): checks the options, then runs the guardian until a
 * signal. Nothing here touches picocli, so the long-running daemon does not keep its classes.
 */
final class GuardDaemon {
    private GuardDaemon() {}

    /** The command line as given (defaults filled in), before it is checked. */
    record Request(
            Path stateDir,
            List<String> parents,
            double resyncSeconds,
            boolean once,
            Path metricsFile,
            List<Path> namespaces,
            boolean recreateVlanParents,
            int announce,
            String metricsAddress,
            int warmUp) {
        static final double DEFAULT_RESYNC_SECONDS = 3;
        static final int DEFAULT_ANNOUNCE = 3;
        static final int DEFAULT_WARM_UP = 20;

        /**
         * The checked options.
         *
         * @throws IllegalArgumentException with the usage error's one line (the option, what it takes, the value)
         */
        Options check() {
            Duration resync = Seconds.of("--resync-seconds", resyncSeconds, 0.1, 86_400);
            List<String> checked = new ArrayList<>();
            for (String p : parents) {
                try {
                    checked.add(LinkNames.check(p));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--parent: " + e.getMessage(), e);
                }
            }
            if (announce < 0 || announce > Announcement.MAX_COUNT) {
                throw new IllegalArgumentException("--announce must be a count of rounds in 0.."
                        + Announcement.MAX_COUNT + " (0: off), was " + announce);
            }
            MetricsAddress served = null;
            if (metricsAddress != null) {
                if (once) {
                    throw new IllegalArgumentException(
                            "--metrics-address serves a running guardian; it does nothing with --once");
                }
                try {
                    served = MetricsAddress.parse(metricsAddress);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--metrics-address " + e.getMessage(), e);
                }
            }
            if (warmUp < 0 || warmUp > 1000) {
                throw new IllegalArgumentException(
                        "--warm-up must be a count of repairs in 0..1000 (0: off), was " + warmUp);
            }
            return new Options(
                    stateDir,
                    List.copyOf(checked),
                    resync,
                    once,
                    metricsFile,
                    List.copyOf(namespaces),
                    recreateVlanParents,
                    announce,
                    served,
                    warmUp);
        }
    }

    /** Checked command line. */
    record Options(
            Path stateDir,
            List<String> parents,
            Duration resync,
            boolean once,
            Path metricsFile,
            List<Path> namespaces,
            boolean recreateVlanParents,
            int announce,
            MetricsAddress metricsAddress,
            int warmUp) {}

    /** Runs the guardian; returns the exit status. */
    static int run(Options o, PrintWriter out, PrintWriter err) {
        if (o.metricsAddress() == null) {
            return run(o, out, err, null);
        }
        // Bound before the guardian exists: an address that cannot be served stops the command with nothing started.
        GuardMetricsServer bound;
        try {
            bound = GuardMetricsServer.bind(o.metricsAddress());
        } catch (IOException e) {
            err.println("hostkit guard: " + e.getMessage());
            return 2;
        }
        try (GuardMetricsServer server = bound) {
            return run(o, out, err, server);
        }
    }

    private static int run(Options o, PrintWriter out, PrintWriter err, GuardMetricsServer metricsServer) {
        Object printLock = new Object();
        boolean[] failed = {false};
        MacvlanGuardian.Builder b = MacvlanGuardian.builder()
                .stateDir(o.stateDir())
                .parents(o.parents())
                .resync(o.resync())
                .recreateVlanParents(o.recreateVlanParents())
                .announce(o.announce() == 0 ? Announcement.OFF : Announcement.times(o.announce()))
                .warmUp(o.warmUp())
                .listener(e -> {
                    synchronized (printLock) {
                        if (e.type() == GuardEvent.Type.REPAIR_FAILED
                                || e.type() == GuardEvent.Type.PARENT_RECREATE_FAILED) {
                            failed[0] = true;
                        }
                        out.println(e.toJsonLine());
                        out.flush();
                    }
                });
        if (!o.namespaces().isEmpty()) {
            b.namespaces(NamespaceSource.of(o.namespaces()));
        }
        MacvlanGuardian guardian;
        try {
            guardian = b.build();
        } catch (IOException | RuntimeException e) {
            err.println("hostkit guard: cannot start: " + e.getMessage());
            return 2;
        }
        if (metricsServer != null) {
            metricsServer.expose(guardian::metrics);
        }
        try (guardian) {
            for (String p : guardian.stateProblems()) {
                err.println("hostkit guard: ignored state file " + p);
            }
            if (o.once()) {
                guardian.reconcileOnce();
                writeMetrics(guardian, o.metricsFile(), err);
                synchronized (printLock) {
                    return failed[0] ? 1 : 0;
                }
            }
            CountDownLatch stop = new CountDownLatch(1);
            GuardSignals.onTermination(stop::countDown);
            guardian.start();
            if (o.metricsFile() == null) {
                stop.await(); // nothing to write: this thread sleeps until the signal
            }
            MetricsFileWriter file = new MetricsFileWriter(o.metricsFile());
            while (!stop.await(o.resync().toMillis(), TimeUnit.MILLISECONDS)) {
                file.writeIfChanged(guardian, err);
            }
            guardian.close();
            writeMetrics(guardian, o.metricsFile(), err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            err.println("hostkit guard: " + e.getMessage());
            return 2;
        }
        // close() ran: every socket and thread is gone; the last counters include the final repairs.
        return 0;
    }

    /**
     * The running guardian's metrics file: rewritten when its text changed, else once a minute so its modification
     * time (node_exporter's {@code node_textfile_mtime_seconds}) still says the guardian is alive. An idle guardian
     * does not rewrite and fsync a file on every node every few seconds for nothing.
     */
    static final class MetricsFileWriter {
        private final Path file;
        private final long heartbeatNanos;
        private String written;
        private long writtenAt;

        MetricsFileWriter(Path file) {
            this(file, TimeUnit.MINUTES.toNanos(1));
        }

        MetricsFileWriter(Path file, long heartbeatNanos) {
            this.file = file;
            this.heartbeatNanos = heartbeatNanos;
        }

        /** Writes when due; returns whether it wrote. */
        boolean writeIfChanged(MacvlanGuardian g, PrintWriter err) {
            String text = g.metrics().toPrometheusText();
            long now = System.nanoTime();
            if (text.equals(written) && now - writtenAt < heartbeatNanos) {
                return false;
            }
            try {
                MetricsFiles.write(file, text, MetricsFiles.WORLD_READABLE);
                written = text;
                writtenAt = now;
                return true;
            } catch (IOException e) {
                err.println("hostkit guard: cannot write metrics file " + file + ": " + MetricsFiles.why(e));
                return false;
            }
        }
    }

    private static void writeMetrics(MacvlanGuardian g, Path file, PrintWriter err) {
        if (file == null) {
            return;
        }
        try {
            MetricsFiles.write(file, g.metrics().toPrometheusText(), MetricsFiles.WORLD_READABLE);
        } catch (IOException e) {
            err.println("hostkit guard: cannot write metrics file " + file + ": " + MetricsFiles.why(e));
        }
    }
}
