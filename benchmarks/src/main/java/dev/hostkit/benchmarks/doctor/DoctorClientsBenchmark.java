package dev.hostkit.benchmarks.doctor;

import dev.hostkit.doctor.Doctor;
import dev.hostkit.doctor.DoctorReport;
import dev.hostkit.testkit.LeakyClient;
import dev.hostkit.testkit.TestNames;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The doctor with and without its Docker socket clients section ({@code dockerClients}), on an engine running M
 * containers with one client process holding N connections to its socket: both timed in-process, interleaved round
 * by round (the order alternating), wall time and this process's CPU time per call, and the ratio of the medians.
 *
 * <p>Everything it makes carries a per-run prefix ({@code hkc} and three random characters: containers by label, the
 * leaking python child) and is removed on every exit, in a finally block and, for a kill, a shutdown hook.
 *
 * <p>Usage (root, {@code eval $(scripts/dev-dockerd NAME)} first): {@code java -cp benchmarks/target/classes:$(cat
 * /tmp/bench-cp.txt) dev.hostkit.benchmarks.doctor.DoctorClientsBenchmark [RUNS] [CONTAINERS] [CONNECTIONS]}, the
 * classpath from {@code mvn -pl benchmarks dependency:build-classpath -Dmdep.outputFile=/tmp/bench-cp.txt}.
 */
public final class DoctorClientsBenchmark {
    private static final String DOCKER = "/usr/bin/docker";
    private static final String AREA = "dockerClients";

    private DoctorClientsBenchmark() {}

    /**
     * Runs the benchmark and prints a Markdown table.
     *
     * @param args [RUNS (default 21)] [CONTAINERS (default 100)] [CONNECTIONS (default 2000)]
     * @throws Exception when the set-up or a measured call fails
     */
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        int containers = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        String image = System.getenv("HK_TEST_IMAGE");
        String host = System.getenv("DOCKER_HOST");
        if (host == null || image == null) {
            throw new IllegalStateException("eval $(scripts/dev-dockerd NAME) first (DOCKER_HOST, HK_TEST_IMAGE)");
        }
        String tag = TestNames.next("c");
        List<LeakyClient> leaker = new ArrayList<>(1);
        Runnable cleanUp = () -> cleanUp(tag, leaker);
        Thread hook = new Thread(cleanUp, "doctor-clients-benchmark-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            DoctorBenchmark.startContainers(tag, containers, image);
            leaker.add(leak(Path.of(host.substring("unix://".length())), connections));
            Thread.sleep(3_000); // let the engine settle after 100 starts
            measure(runs, containers, connections, leaker.get(0).pid());
        } finally {
            cleanUp.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs and finds nothing left
            }
        }
    }

    private static void measure(int runs, int containers, int connections, int leakerPid) {
        String loadBefore = load();
        List<Doctor.Check> with = Doctor.checks(null);
        List<Doctor.Check> without =
                with.stream().filter(c -> !c.area().equals(AREA)).toList();
        List<Doctor.Check> alone =
                with.stream().filter(c -> c.area().equals(AREA)).toList();
        String expected = "pid " + leakerPid + " (python3) holds " + connections + " connections";
        for (int i = 0; i < 10; i++) {
            check(Doctor.examine(with), containers, expected);
            Doctor.examine(without);
            Doctor.examine(alone);
        }
        List<List<Doctor.Check>> variants = List.of(without, with, alone);
        double[][] wall = new double[3][runs];
        double[][] cpu = new double[3][runs];
        // A "with" round whose survey left client connections unowned read every fd table looking for them.
        int unownedRounds = 0;
        long unownedConnections = 0;
        for (int r = 0; r < runs; r++) {
            for (int k = 0; k < 3; k++) {
                int which = (r + k) % 3; // rotate which goes first
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                DoctorReport report = Doctor.examine(variants.get(which));
                wall[which][r] = (System.nanoTime() - t0) / 1e6;
                cpu[which][r] = (cpuNanos() - c0) / 1e6;
                if (which == 1) {
                    check(report, containers, expected);
                    long unowned = ((Number) report.sections().get(AREA).get("unowned")).longValue();
                    unownedRounds += unowned > 0 ? 1 : 0;
                    unownedConnections += unowned;
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%d running containers, one python3 client holding %d connections to the engine socket; "
                        + "%d runs per row, interleaved (order rotating) after 10 warm-up rounds; %d CPUs, load average %s before, %s after%n%n",
                containers,
                connections,
                runs,
                Runtime.getRuntime().availableProcessors(),
                loadBefore,
                load());
        System.out.println(
                "| doctor in-process, warm (no --state-dir) | wall median (ms) | wall min | wall max | CPU median (ms) | CPU min | CPU max |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        row("without the dockerClients section", wall[0], cpu[0]);
        row("with the dockerClients section", wall[1], cpu[1]);
        row("the dockerClients check alone", wall[2], cpu[2]);
        System.out.printf(
                Locale.ROOT,
                "%nratio with / without: wall %.2f, CPU %.2f%n",
                median(wall[1]) / median(wall[0]),
                median(cpu[1]) / median(cpu[0]));
        System.out.printf(
                Locale.ROOT,
                "\"with\" rounds whose survey left connections unowned (the scan then reads every fd table): %d of %d"
                        + " (%d connections in all)%n",
                unownedRounds,
                runs,
                unownedConnections);
    }

    /** Fails unless the report saw the containers and named the leaking client with its exact count. */
    private static void check(DoctorReport report, int containers, String expected) {
        Map<String, Object> docker = report.sections().get("docker");
        Object running = docker == null ? null : docker.get("running");
        if (!(running instanceof Number n) || n.longValue() < containers) {
            throw new IllegalStateException("the doctor saw " + running + " running containers, expected " + containers
                    + ": " + report.cannotSee());
        }
        if (report.findings().stream().noneMatch(f -> f.summary().startsWith(expected))) {
            throw new IllegalStateException("no finding '" + expected + "': " + report.findings() + " "
                    + report.cannotSee() + " " + report.sections().get(AREA));
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The testkit's leaking python child holding {@code connections} idle connections until closed. */
    private static LeakyClient leak(Path socket, int connections) throws IOException {
        LeakyClient c = new LeakyClient(socket);
        try {
            c.open(connections, "idle");
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private static synchronized void cleanUp(String tag, List<LeakyClient> leaker) {
        for (LeakyClient c : leaker) {
            try {
                c.close();
            } catch (IOException e) {
                System.err.println("cannot remove the leaking client's script: " + e);
            }
        }
        leaker.clear();
        try {
            String ids = DoctorBenchmark.Sh.run(
                            List.of(DOCKER, "ps", "-aq", "--filter", "label=hostkit.benchmark=" + tag), null)
                    .out()
                    .trim();
            if (!ids.isEmpty()) {
                List<String> rm = new ArrayList<>(List.of(DOCKER, "rm", "-f", "-v"));
                rm.addAll(Arrays.asList(ids.split("\\s+")));
                DoctorBenchmark.Sh.run(rm, null);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("cleanup of containers failed: " + e);
        }
    }

    private static void row(String what, double[] wall, double[] cpu) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
                what,
                median(wall),
                min(wall),
                max(wall),
                median(cpu),
                min(cpu),
                max(cpu));
    }

    private static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] ms) {
        return Arrays.stream(ms).min().orElse(0);
    }

    private static double max(double[] ms) {
        return Arrays.stream(ms).max().orElse(0);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
