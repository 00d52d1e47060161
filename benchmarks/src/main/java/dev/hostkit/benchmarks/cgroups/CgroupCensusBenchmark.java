package dev.hostkit.benchmarks.cgroups;

import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.testkit.TestNames;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The memory census on real cgroups, side by side with {@code find | xargs cat} of the same files.
 * Creates {@code PODS x (1 + CONTAINERS)} memory cgroups under {@code /sys/fs/cgroup/memory/hkbench...}
 * (10,000 by default), measures, and removes them all again, failures included.
 *
 * <p>Run as root: {@code java -cp benchmarks/target/classes:... dev.hostkit.benchmarks.cgroups.CgroupCensusBenchmark [pods] [containersPerPod]}.
 */
public final class CgroupCensusBenchmark {
    // The files MemoryCgroup.read() reads for a v1 cgroup; the baseline cats exactly these.
    static final List<String> V1_FILES = List.of(
            "memory.usage_in_bytes",
            "memory.max_usage_in_bytes",
            "memory.limit_in_bytes",
            "memory.failcnt",
            "memory.memsw.usage_in_bytes",
            "memory.memsw.max_usage_in_bytes",
            "memory.memsw.limit_in_bytes",
            "memory.memsw.failcnt",
            "memory.kmem.usage_in_bytes",
            "memory.kmem.max_usage_in_bytes",
            "memory.kmem.limit_in_bytes",
            "memory.kmem.failcnt",
            "memory.kmem.tcp.usage_in_bytes",
            "memory.kmem.tcp.max_usage_in_bytes",
            "memory.kmem.tcp.limit_in_bytes",
            "memory.kmem.tcp.failcnt",
            "memory.stat",
            "memory.oom_control",
            "memory.use_hierarchy",
            "tasks");

    private CgroupCensusBenchmark() {}

    public static void main(String[] args) throws Exception {
        int pods = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int perPod = args.length > 1 ? Integer.parseInt(args[1]) : 99;
        Path memory = Path.of("/sys/fs/cgroup/memory");
        Path parent = memory.resolve("hkbench" + tag());
        List<Path> made = new ArrayList<>();
        Thread cleanup = new Thread(() -> removeAll(made), "hkbench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            long t0 = System.nanoTime();
            made.add(Files.createDirectory(parent));
            for (int p = 0; p < pods; p++) {
                Path pod = Files.createDirectory(parent.resolve("pod" + p));
                made.add(pod);
                for (int c = 0; c < perPod; c++) {
                    made.add(Files.createDirectory(pod.resolve("c" + c)));
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "created %d memory cgroups under %s in %.1f s%n",
                    made.size() - 1,
                    parent,
                    (System.nanoTime() - t0) / 1e9);
            CgroupFs fs = CgroupFs.system();
            String root = fs.memoryRoot().toString();

            String countsBaseline = "find " + root + " -type d | wc -l; cat /proc/cgroups";
            StringBuilder files = new StringBuilder();
            for (String f : V1_FILES) {
                files.append(files.length() == 0 ? "" : " -o").append(" -name ").append(f);
            }
            String fullBaseline = "find " + root + " \\(" + files + " \\) -print0 | xargs -0 cat > /dev/null";

            MemoryCensus first = MemoryCensus.counts(fs);
            System.out.printf(
                    Locale.ROOT,
                    "census: live %d, dying %d, headroom %d, risk %s%n",
                    first.live(),
                    first.dying(),
                    first.idHeadroom(),
                    first.risk().label());
            double coldFull = time(() -> MemoryCensus.full(fs));

            double[] counts = measure(() -> MemoryCensus.counts(fs), 5, 20);
            double[] countsBase = measure(() -> sh(countsBaseline), 2, 10);
            double[] full = measure(() -> MemoryCensus.full(fs), 2, 10);
            double[] fullBase = measure(() -> sh(fullBaseline), 2, 10);
            double[] fullOneThread =
                    measure(() -> MemoryCensus.full(fs, MemoryCensus.Options.DEFAULT.withThreads(1)), 1, 5);

            MemoryCensus check = MemoryCensus.full(fs);
            System.out.printf(
                    Locale.ROOT,
                    "full census read %d cgroups, %d problems%n",
                    check.cgroups().size(),
                    check.problems().size());
            System.out.printf(
                    Locale.ROOT, "cpus %d, kernel %s%n", Runtime.getRuntime().availableProcessors(), fs.kernel());
            System.out.println();
            System.out.println("| measurement (" + (made.size() - 1)
                    + " cgroups) | hostkit median (ms) | baseline median (ms) | ratio hostkit/baseline | goal |");
            System.out.println("|---|---:|---:|---:|---|");
            row("(a) counts: live, dying, headroom", counts, countsBase, "< 100 ms");
            row(
                    "(b) full census, " + (Runtime.getRuntime().availableProcessors()) + " reader threads",
                    full,
                    fullBase,
                    "<= 1.0x");
            row("(b) full census, 1 reader thread", fullOneThread, fullBase, "(for reference)");
            System.out.printf(Locale.ROOT, "%nfirst (cold JVM) full census: %.1f ms%n", coldFull);
            System.out.println("baseline (a): " + countsBaseline);
            System.out.println("baseline (b): " + fullBaseline);
        } finally {
            removeAll(made);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    private static void row(String what, double[] ours, double[] base, String goal) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.1f (min %.1f) | %.1f (min %.1f) | %.2fx | %s |%n",
                what,
                median(ours),
                ours[0],
                median(base),
                base[0],
                median(ours) / median(base),
                goal);
    }

    interface Task {
        void run() throws Exception;
    }

    static double time(Task t) throws Exception {
        long t0 = System.nanoTime();
        t.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    static double[] measure(Task t, int warmup, int runs) throws Exception {
        for (int i = 0; i < warmup; i++) {
            t.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            ms[i] = time(t);
        }
        Arrays.sort(ms);
        return ms;
    }

    static double median(double[] sorted) {
        return sorted[sorted.length / 2];
    }

    private static void sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("baseline failed: " + script);
        }
    }

    static synchronized void removeAll(List<Path> made) {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(made.get(i));
            } catch (IOException e) {
                System.err.println("cannot remove " + made.get(i) + ": " + e.getMessage());
            }
        }
        made.clear();
    }

    static String tag() {
        return TestNames.next("cg");
    }
}
