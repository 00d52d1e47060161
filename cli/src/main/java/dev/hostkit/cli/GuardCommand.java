package dev.hostkit.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

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

    @Option(names = "--resync-seconds", paramLabel = "N", description = "Full pass interval, 0.1..86400 (default: 3).")
    double resyncSeconds = GuardDaemon.Request.DEFAULT_RESYNC_SECONDS;

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
            description =
                    "Announce each repaired address N times, 100 ms apart (gratuitous ARP / unsolicited NA); 0 = off (default: ${DEFAULT-VALUE}).")
    int announce = GuardDaemon.Request.DEFAULT_ANNOUNCE;

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
            description = "At start, repair a macvlan N times in two private namespaces of the guardian's own so the"
                    + " first real repair is fast; 0..1000 (default: ${DEFAULT-VALUE}).")
    int warmUp = GuardDaemon.Request.DEFAULT_WARM_UP;

    @Option(names = "--no-warm-up", description = "Start without the warm-up (same as --warm-up 0).")
    boolean noWarmUp;

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code guard}
     * @return the exit status
     */
    public static int run(String[] args) {
        return Hostkit.run("guard", new GuardCommand(), System.out, System.err, args);
    }

    /** The options as given, defaults filled in. */
    GuardDaemon.Request request() {
        return new GuardDaemon.Request(
                stateDir,
                parents,
                resyncSeconds,
                once,
                metricsFile,
                namespaces,
                recreateVlanParents,
                announce,
                metricsAddress,
                noWarmUp ? 0 : warmUp);
    }

    @Override
    public Integer call() {
        GuardDaemon.Options o;
        try {
            o = request().check();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return GuardDaemon.run(
                o, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
