package dev.hostkit.cli;

import dev.hostkit.core.AtomicFiles;
import dev.hostkit.guard.GuardEvent;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.netlink.Announcement;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code hostkit guard --state-dir DIR [--parent NAME]... [--resync-seconds N] [--once] [--metrics-file FILE]
 * [--recreate-vlan-parents] [--announce N]}:
 * the macvlan guardian as a daemon. One JSON line per event on stdout; runs until SIGTERM or SIGINT (then closes every
 * socket and exits 0), or with {@code --once} snapshots and reconciles once. Exit status: 0 fine, 1 a repair failed
 * ({@code --once}), 2 could not start, 64 bad usage.
 */
public final class GuardCommand {
    static final String USAGE = "usage: hostkit guard --state-dir DIR [--parent NAME]... [--resync-seconds N] [--once] "
            + "[--metrics-file FILE] [--netns PATH]... [--recreate-vlan-parents] [--announce N]";

    private GuardCommand() {
    }

    /** Parsed command line. */
    record Options(Path stateDir, List<String> parents, Duration resync, boolean once, Path metricsFile, List<Path> namespaces,
                   boolean recreateVlanParents, int announce) {
    }

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code guard}
     * @return the exit status
     */
    public static int run(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("hostkit guard: " + e.getMessage());
            System.err.println(USAGE);
            return 64;
        }
        return run(o, System.out);
    }

    static Options parse(String[] args) {
        Path stateDir = null;
        List<String> parents = new ArrayList<>();
        Duration resync = Duration.ofSeconds(3);
        boolean once = false;
        boolean recreateVlans = false;
        int announce = Announcement.DEFAULT.count();
        Path metrics = null;
        List<Path> namespaces = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--state-dir" -> stateDir = Path.of(value(args, ++i, a));
                case "--parent" -> parents.add(dev.hostkit.netlink.LinkNames.check(value(args, ++i, a)));
                case "--resync-seconds" -> {
                    String v = value(args, ++i, a);
                    try {
                        double s = Double.parseDouble(v);
                        if (!(s >= 0.1 && s <= 86_400)) {
                            throw new NumberFormatException();
                        }
                        resync = Duration.ofMillis(Math.round(s * 1000));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--resync-seconds must be a number of seconds in 0.1..86400, was '" + v + "'");
                    }
                }
                case "--once" -> once = true;
                case "--recreate-vlan-parents" -> recreateVlans = true;
                case "--announce" -> {
                    String v = value(args, ++i, a);
                    try {
                        announce = Integer.parseInt(v);
                        if (announce < 0 || announce > Announcement.MAX_COUNT) {
                            throw new NumberFormatException();
                        }
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--announce must be a count of rounds in 0.." + Announcement.MAX_COUNT
                                + " (0: off), was '" + v + "'");
                    }
                }
                case "--metrics-file" -> metrics = Path.of(value(args, ++i, a));
                case "--netns" -> namespaces.add(Path.of(value(args, ++i, a)));
                case "-h", "--help" -> throw new IllegalArgumentException("help requested");
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (stateDir == null) {
            throw new IllegalArgumentException("--state-dir is required");
        }
        return new Options(stateDir, List.copyOf(parents), resync, once, metrics, List.copyOf(namespaces), recreateVlans, announce);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static int run(Options o, PrintStream out) {
        Object printLock = new Object();
        boolean[] failed = {false};
        MacvlanGuardian.Builder b = MacvlanGuardian.builder().stateDir(o.stateDir()).parents(o.parents()).resync(o.resync())
                .recreateVlanParents(o.recreateVlanParents())
                .announce(o.announce() == 0 ? Announcement.OFF : Announcement.times(o.announce()))
                .listener(e -> {
                    synchronized (printLock) {
                        if (e.type() == GuardEvent.Type.REPAIR_FAILED || e.type() == GuardEvent.Type.PARENT_RECREATE_FAILED) {
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
            System.err.println("hostkit guard: cannot start: " + e.getMessage());
            return 2;
        }
        try (guardian) {
            for (String p : guardian.stateProblems()) {
                System.err.println("hostkit guard: ignored state file " + p);
            }
            if (o.once()) {
                guardian.reconcileOnce();
                writeMetrics(guardian, o.metricsFile());
                synchronized (printLock) {
                    return failed[0] ? 1 : 0;
                }
            }
            CountDownLatch stop = new CountDownLatch(1);
            GuardSignals.onTermination(stop::countDown);
            guardian.start();
            while (!stop.await(o.resync().toMillis(), TimeUnit.MILLISECONDS)) {
                writeMetrics(guardian, o.metricsFile());
            }
            guardian.close();
            writeMetrics(guardian, o.metricsFile());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("hostkit guard: " + e.getMessage());
            return 2;
        }
        // close() ran: every socket and thread is gone; the last counters include the final repairs.
        return 0;
    }

    private static void writeMetrics(MacvlanGuardian g, Path file) {
        if (file == null) {
            return;
        }
        try {
            AtomicFiles.write(file, g.metrics().toPrometheusText());
        } catch (IOException e) {
            System.err.println("hostkit guard: cannot write metrics file " + file + ": " + e.getMessage());
        }
    }
}
