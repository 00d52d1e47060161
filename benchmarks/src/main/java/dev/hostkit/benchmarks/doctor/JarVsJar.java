package dev.hostkit.benchmarks.doctor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two builds of {@code hostkit.jar} side by side: {@code doctor --json} as a fresh process, as {@code scripts/hostkit}
 * runs it (C1, serial GC, each jar with its own class-data-sharing archive made by a first run), on the same fixture
 * of N namespaces and M containers, interleaved round by round with the order alternating, so load and caches fall
 * on both alike. Wall time and the process's CPU time (user + system, from the shell's {@code times}) per run.
 *
 * <p>Usage: {@code [-Dhostkit.newArgs=...] DoctorBenchmark --jars OLD.jar NEW.jar [RUNS] [NAMESPACES] [CONTAINERS]}; the rest as
 * {@link DoctorBenchmark}.
 */
final class JarVsJar {
    // Options only the new jar knows, e.g. -Dhostkit.newArgs="--check-timeout 120" so a loaded host's slow checks are
    // not cut short by the new per-check deadline (it changes when the doctor gives up, not what it does).
    private static final List<String> EXTRA_NEW =
            System.getProperty("hostkit.newArgs", "").isBlank()
                    ? List.of()
                    : List.of(System.getProperty("hostkit.newArgs").trim().split("\\s+"));

    private JarVsJar() {}

    static void main(Path oldJar, Path newJar, String[] rest) throws Throwable {
        int runs = rest.length > 0 ? Integer.parseInt(rest[0]) : 21;
        int namespaces = rest.length > 1 ? Integer.parseInt(rest[1]) : 100;
        int containers = rest.length > 2 ? Integer.parseInt(rest[2]) : 100;
        String image = System.getenv("HK_TEST_IMAGE");
        if (!Files.isRegularFile(oldJar)
                || !Files.isRegularFile(newJar)
                || System.getenv("DOCKER_HOST") == null
                || image == null) {
            throw new IllegalStateException(
                    "both jars must exist, and eval $(scripts/dev-dockerd) done (DOCKER_HOST, HK_TEST_IMAGE)");
        }
        DoctorBenchmark.Fixture fx = new DoctorBenchmark.Fixture(DoctorBenchmark.tag(), namespaces, containers, image);
        Thread hook = new Thread(fx::cleanUp, "doctor-benchmark-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Path dir = Files.createTempDirectory("hostkit-jar-vs-jar");
        try {
            fx.setUp(newJar);
            Thread.sleep(5_000);
            Path[] jars = {oldJar, newJar};
            List<List<String>> cmds = new ArrayList<>();
            for (int j = 0; j < 2; j++) {
                Path jsa = dir.resolve(j + ".jsa");
                fx.ensureRunning();
                List<String> extra = j == 1 ? EXTRA_NEW : List.of();
                fx.checkSaw(
                        DoctorBenchmark.doctor(java(jars[j], "-XX:ArchiveClassesAtExit=" + jsa, fx.stateDir(), extra)));
                cmds.add(java(jars[j], "-XX:SharedArchiveFile=" + jsa, fx.stateDir(), extra));
            }
            double[][] wall = new double[2][runs];
            double[][] cpu = new double[2][runs];
            for (int i = 0; i < runs; i++) {
                fx.ensureRunning();
                for (int k = 0; k < 2; k++) {
                    int j = (i + k) % 2; // old first in even rounds, new first in odd ones
                    List<String> timed =
                            new ArrayList<>(List.of("bash", "-c", "\"$@\"; s=$?; times >&2; exit $s", "_"));
                    timed.addAll(cmds.get(j));
                    long t = System.nanoTime();
                    DoctorBenchmark.Sh.Result r = DoctorBenchmark.Sh.run(timed, null);
                    wall[j][i] = (System.nanoTime() - t) / 1e6;
                    if (r.exit() < 0 || r.exit() > 2 || !fx.saw(r.out())) {
                        throw new IllegalStateException(
                                jars[j] + " did not survey the fixture (exit " + r.exit() + "): " + r.err());
                    }
                    cpu[j][i] = childCpuMillis(r.err());
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d named namespaces with a macvlan each, %d running containers; %d runs per row, "
                            + "interleaved; %d CPUs, load %s%n%n",
                    namespaces,
                    containers,
                    runs,
                    Runtime.getRuntime().availableProcessors(),
                    DoctorBenchmark.load());
            System.out.println(
                    "| `java -jar hostkit.jar doctor --json` (CDS + C1, as scripts/hostkit) | wall median (ms) | wall min | wall max | CPU median (ms) |");
            System.out.println("|---|---:|---:|---:|---:|");
            String[] names = {"before: " + oldJar, "after: " + newJar};
            for (int j = 0; j < 2; j++) {
                double[] w = wall[j].clone();
                Arrays.sort(w);
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1f | %.1f | %.1f | %.1f |%n",
                        names[j],
                        DoctorBenchmark.median(wall[j]),
                        w[0],
                        w[w.length - 1],
                        DoctorBenchmark.median(cpu[j]));
            }
            double[] ratio = new double[runs];
            for (int i = 0; i < runs; i++) {
                ratio[i] = wall[1][i] / wall[0][i];
            }
            System.out.printf(
                    Locale.ROOT,
                    "%nratio after/before: wall medians %.3f, median of per-round ratios %.3f, CPU medians %.3f%n",
                    DoctorBenchmark.median(wall[1]) / DoctorBenchmark.median(wall[0]),
                    DoctorBenchmark.median(ratio),
                    DoctorBenchmark.median(cpu[1]) / DoctorBenchmark.median(cpu[0]));
        } finally {
            fx.cleanUp();
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    private static List<String> java(Path jar, String cds, Path stateDir, List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(DoctorBenchmark.CLI_JVM);
        cmd.addAll(List.of(cds, "-jar", jar.toString(), "doctor", "--json", "--state-dir", stateDir.toString()));
        cmd.addAll(extra);
        return cmd;
    }

    /** The children's user + system time from bash's {@code times} (its second line: {@code 0m0.812s 0m0.104s}). */
    private static double childCpuMillis(String err) {
        String[] lines = err.strip().split("\n");
        String[] f = lines[lines.length - 1].trim().split("\\s+");
        return seconds(f[0]) * 1000 + seconds(f[1]) * 1000;
    }

    private static double seconds(String mXs) {
        int m = mXs.indexOf('m');
        return Integer.parseInt(mXs.substring(0, m)) * 60 + Double.parseDouble(mXs.substring(m + 1, mXs.length() - 1));
    }
}
