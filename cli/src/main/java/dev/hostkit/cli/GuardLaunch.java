package dev.hostkit.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The short way into {@code hostkit guard}: the daemon runs for months on every node, and picocli's classes, its
 * annotation reflection and the JDK classes it pulls in stay resident all that time (about 4 MB of the daemon's
 * 45 MB budget, measured by benchmarks/.../GuardFootprintBenchmark). So a plain guard command line (the options in
 * their {@code --name value} form, as the unit and DaemonSet give them) is read here by hand and checked by the same
 * {@link GuardDaemon.Request#check()} as {@link GuardCommand}. Anything else ({@code --opt=value}, a value that looks
 * like an option, {@code --help}, {@code --debug}, an unknown option, a value that does not check) is left to
 * picocli, which says what is wrong exactly as before.
 */
final class GuardLaunch {
    private GuardLaunch() {}

    /**
     * Reads {@code guard OPTIONS...}.
     *
     * @return the checked options, or null when picocli should read the arguments
     */
    static GuardDaemon.Options parse(String[] args) {
        if (args.length < 3 || !args[0].equals("guard")) {
            return null;
        }
        Path stateDir = null;
        List<String> parents = new ArrayList<>();
        double resync = GuardDaemon.Request.DEFAULT_RESYNC_SECONDS;
        boolean once = false;
        Path metricsFile = null;
        List<Path> namespaces = new ArrayList<>();
        boolean recreate = false;
        int announce = GuardDaemon.Request.DEFAULT_ANNOUNCE;
        String metricsAddress = null;
        int warmUp = GuardDaemon.Request.DEFAULT_WARM_UP;
        boolean noWarmUp = false;
        try {
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--once" -> once = true;
                    case "--recreate-vlan-parents" -> recreate = true;
                    case "--no-warm-up" -> noWarmUp = true;
                    case "--state-dir",
                            "--parent",
                            "--resync-seconds",
                            "--metrics-file",
                            "--netns",
                            "--announce",
                            "--metrics-address",
                            "--warm-up" -> {
                        if (i + 1 == args.length || args[i + 1].startsWith("-")) {
                            return null; // picocli says what is missing
                        }
                        String v = args[++i];
                        switch (a) {
                            case "--state-dir" -> stateDir = Path.of(v);
                            case "--parent" -> parents.add(v);
                            case "--resync-seconds" -> resync = Double.parseDouble(v);
                            case "--metrics-file" -> metricsFile = Path.of(v);
                            case "--netns" -> namespaces.add(Path.of(v));
                            case "--announce" -> announce = Integer.parseInt(v);
                            case "--metrics-address" -> metricsAddress = v;
                            default -> warmUp = Integer.parseInt(v);
                        }
                    }
                    default -> {
                        return null;
                    }
                }
            }
            if (stateDir == null) {
                return null; // a required option: picocli's message
            }
            return new GuardDaemon.Request(
                            stateDir,
                            parents,
                            resync,
                            once,
                            metricsFile,
                            namespaces,
                            recreate,
                            announce,
                            metricsAddress,
                            noWarmUp ? 0 : warmUp)
                    .check();
        } catch (IllegalArgumentException e) {
            // NumberFormatException and InvalidPathException included: picocli's conversion or usage error, worded
            // as before.
            return null;
        }
    }

    /** Runs the guardian with the options read; returns the exit status. */
    static int run(GuardDaemon.Options o, PrintStream out, PrintStream err) {
        PrintWriter w = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        try {
            return GuardDaemon.run(o, w, e);
        } finally {
            w.flush();
            e.flush();
        }
    }
}
