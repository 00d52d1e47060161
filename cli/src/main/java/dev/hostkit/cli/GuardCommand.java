package dev.hostkit.cli;

import dev.hostkit.guard.GuardEvent;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.LinkNames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code hostkit guard --state-dir DIR [--parent NAME]... [--resync-seconds N] [--once] [--metrics-file FILE]
 * [--recreate-vlan-parents] [--announce N] [--metrics-address HOST:PORT] [--warm-up N | --no-warm-up]}:
 * the macvlan guardian as a daemon. One JSON line per event on stdout; runs until SIGTERM or SIGINT (then closes every
 * socket and exits 0), or with {@code --once} snapshots and reconciles once. Exit status: 0 fine, 1 a repair failed
 * ({@code --once}), 2 could not start (also: the metrics address cannot be bound), 64 bad usage.
 */
@Command(
        name = "guard",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description = {
            "The macvlan guardian: keeps containers' macvlan interfaces alive across the loss of their parent.",
            "One JSON line per event on stdout; runs until SIGTERM or SIGINT, or once with --once."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:stopped by a signal, or --once with no failed repair",
            " 1:--once and a repair failed",
            " 2:could not start (e.g. the metrics address is in use)",
            "64:bad usage"
        })
public final class GuardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            required = true,
            description = "Where the snapshots are kept (0700, the guardian's own).")
    Path stateDir;

    @Option(
            names = "--parent",
            paramLabel = "NAME",
            description = "Guard only macvlans on this parent (repeatable; default: all).")
    List<String> parents = new ArrayList<>();

    @Option(
            names = "--resync-seconds",
            paramLabel = "N",
            defaultValue = "3",
            description = "Full pass interval, 0.1..86400 (default: ${DEFAULT-VALUE}).")
    double resyncSeconds;

    @Option(names = "--once", description = "Snapshot and reconcile once, then exit.")
    boolean once;

    @Option(names = "--metrics-file", paramLabel = "FILE", description = "Write Prometheus text here after each pass.")
    Path metricsFile;

    @Option(
            names = "--netns",
            paramLabel = "PATH",
            description = "Watch only this namespace (repeatable; default: every namespace).")
    List<Path> namespaces = new ArrayList<>();

    @Option(
            names = "--recreate-vlan-parents",
            description = "Make a lost VLAN parent again when its lower device returns.")
    boolean recreateVlanParents;

    @Option(
            names = "--announce",
            paramLabel = "N",
            defaultValue = "3",
            description =
                    "Announce each repaired address N times, 100 ms apart (gratuitous ARP / unsolicited NA); 0 = off (default: ${DEFAULT-VALUE}).")
    int announce;

    @Option(
            names = "--metrics-address",
            paramLabel = "HOST:PORT",
            description = {
                "Serve Prometheus metrics over HTTP at /metrics (default: off). PORT or :PORT is 127.0.0.1:PORT;",
                "other hosts reach it only at 0.0.0.0:PORT or [::]:PORT. IP addresses only, no names."
            })
    String metricsAddress;

    @Option(
            names = "--warm-up",
            paramLabel = "N",
            defaultValue = "20",
            description = "At start, repair a macvlan N times in two private namespaces of the guardian's own so the"
                    + " first real repair is fast; 0..1000 (default: ${DEFAULT-VALUE}).")
    int warmUp;

    @Option(names = "--no-warm-up", description = "Start without the warm-up (same as --warm-up 0).")
    boolean noWarmUp;

    /** Parsed command line. */
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

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code guard}
     * @return the exit status
     */
    public static int run(String[] args) {
        return Hostkit.run("guard", new GuardCommand(), System.out, System.err, args);
    }

    @Override
    public Integer call() {
        Duration resync = Seconds.of(spec, "--resync-seconds", resyncSeconds, 0.1, 86_400);
        List<String> checked = new ArrayList<>();
        for (String p : parents) {
            try {
                checked.add(LinkNames.check(p));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--parent: " + e.getMessage());
            }
        }
        if (announce < 0 || announce > Announcement.MAX_COUNT) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--announce must be a count of rounds in 0.." + Announcement.MAX_COUNT + " (0: off), was "
                            + announce);
        }
        MetricsAddress served = null;
        if (metricsAddress != null) {
            if (once) {
                throw new ParameterException(
                        spec.commandLine(), "--metrics-address serves a running guardian; it does nothing with --once");
            }
            try {
                served = MetricsAddress.parse(metricsAddress);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--metrics-address " + e.getMessage());
            }
        }
        if (warmUp < 0 || warmUp > 1000) {
            throw new ParameterException(
                    spec.commandLine(), "--warm-up must be a count of repairs in 0..1000 (0: off), was " + warmUp);
        }
        Options o = new Options(
                stateDir,
                List.copyOf(checked),
                resync,
                once,
                metricsFile,
                List.copyOf(namespaces),
                recreateVlanParents,
                announce,
                served,
                noWarmUp ? 0 : warmUp);
        return run(o, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

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
            while (!stop.await(o.resync().toMillis(), TimeUnit.MILLISECONDS)) {
                writeMetrics(guardian, o.metricsFile(), err);
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
