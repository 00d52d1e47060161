package dev.hostkit.benchmarks.cgroups;

import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.cgroups.OrphanCgroup;
import dev.hostkit.cgroups.Reclaim;
import dev.hostkit.cgroups.ReclaimPlan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code Reclaim.plan} (the dry run) on real cgroups, side by side with the full census it starts from.
 * Creates {@code /sys/fs/cgroup/memory/hkbench.../kubepods/burstable/pod<uid>/<id>}: PODS pods with CONTAINERS
 * containers each (10,000 memory cgroups by default); half the pods are passed as live, so the other half are
 * orphans whose removal (every container cgroup, deepest first) is planned too. Removes everything, failures included.
 *
 * <p>Run as root: {@code java -cp ... dev.hostkit.benchmarks.cgroups.ReclaimPlanBenchmark [pods] [containersPerPod]}.
 */
public final class ReclaimPlanBenchmark {
    private ReclaimPlanBenchmark() {}

    // Sorted CPU times (ms) of the calling thread for runs of a single-threaded task.
    private static double[] cpuMillis(CgroupCensusBenchmark.Task t, int warmup, int runs) throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < warmup; i++) {
            t.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long c0 = mx.getCurrentThreadCpuTime();
            t.run();
            ms[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        java.util.Arrays.sort(ms);
        return ms;
    }

    public static void main(String[] args) throws Exception {
        int pods = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int perPod = args.length > 1 ? Integer.parseInt(args[1]) : 99;
        Path parent = Path.of("/sys/fs/cgroup/memory").resolve("hkbench" + CgroupCensusBenchmark.tag());
        List<Path> made = new ArrayList<>();
        Thread cleanup = new Thread(() -> CgroupCensusBenchmark.removeAll(made), "hkbench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            made.add(Files.createDirectory(parent));
            Path burstable = parent.resolve("kubepods/burstable");
            made.add(Files.createDirectory(parent.resolve("kubepods")));
            made.add(Files.createDirectory(burstable));
            Set<String> livePods = new HashSet<>();
            for (int p = 0; p < pods; p++) {
                String uid = String.format(Locale.ROOT, "%08x-0000-4000-8000-%012x", p, p);
                if (p % 2 == 0) {
                    livePods.add(uid);
                }
                Path pod = Files.createDirectory(burstable.resolve("pod" + uid));
                made.add(pod);
                for (int c = 0; c < perPod; c++) {
                    made.add(Files.createDirectory(
                            pod.resolve(String.format(Locale.ROOT, "%064x", (long) p * 1000 + c))));
                }
            }
            System.out.printf(Locale.ROOT, "created %d memory cgroups under %s%n", made.size() - 1, parent);
            CgroupFs fs = CgroupFs.system();
            Reclaim.Options options =
                    Reclaim.Options.DEFAULT.withRemoveOrphans(true).withDropCaches(Reclaim.DropCaches.PAGE_CACHE);

            MemoryCensus census = MemoryCensus.full(fs);
            ReclaimPlan first = Reclaim.plan(fs, census, livePods, null, options);
            System.out.printf(
                    Locale.ROOT,
                    "census: %d live, %d dying; plan: %d steps, %d notes%n",
                    census.live(),
                    census.dying(),
                    first.steps().size(),
                    first.notes().size());
            double[] full = CgroupCensusBenchmark.measure(() -> MemoryCensus.full(fs), 1, 5);
            double[] plan =
                    CgroupCensusBenchmark.measure(() -> Reclaim.plan(fs, census, livePods, null, options), 5, 30);
            double[] planCpu = cpuMillis(() -> Reclaim.plan(fs, census, livePods, null, options), 5, 30);
            double[] find = CgroupCensusBenchmark.measure(() -> OrphanCgroup.find(census, livePods, null), 5, 30);
            MemoryCensus counts = MemoryCensus.counts(fs);
            double[] planCounts =
                    CgroupCensusBenchmark.measure(() -> Reclaim.plan(fs, counts, null, null, options), 5, 20);

            double fullMs = CgroupCensusBenchmark.median(full);
            double planMs = CgroupCensusBenchmark.median(plan);
            System.out.printf(
                    Locale.ROOT,
                    "cpus %d, kernel %s, load average %.1f%n%n",
                    Runtime.getRuntime().availableProcessors(),
                    fs.kernel(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());
            System.out.println("| measurement (" + census.live()
                    + " memory cgroups on the host) | median (ms) | min (ms) | ratio to the full census | goal |");
            System.out.println("|---|---:|---:|---:|---|");
            System.out.printf(
                    Locale.ROOT, "| full census (the plan's input) | %.1f | %.1f | 1.00x | |%n", fullMs, full[0]);
            System.out.printf(
                    Locale.ROOT,
                    "| plan: %d orphaned pods judged, %d steps | %.2f | %.2f | %.3fx | < 200 ms beyond the census |%n",
                    pods - livePods.size(),
                    first.steps().size(),
                    planMs,
                    plan[0],
                    planMs / fullMs);
            System.out.printf(
                    Locale.ROOT,
                    "| plan, CPU time of the calling thread (less sensitive to a loaded host) | %.2f | %.2f | | |%n",
                    CgroupCensusBenchmark.median(planCpu),
                    planCpu[0]);
            System.out.printf(
                    Locale.ROOT,
                    "| of which OrphanCgroup.find (the orphans the plan judges) | %.2f | %.2f | %.3fx | |%n",
                    CgroupCensusBenchmark.median(find),
                    find[0],
                    CgroupCensusBenchmark.median(find) / fullMs);
            System.out.printf(
                    Locale.ROOT,
                    "| plan from a counts-only census (drop_caches only) | %.3f | %.3f | %.4fx | |%n",
                    CgroupCensusBenchmark.median(planCounts),
                    planCounts[0],
                    CgroupCensusBenchmark.median(planCounts) / fullMs);
        } finally {
            CgroupCensusBenchmark.removeAll(made);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }
}
