package dev.hostkit.benchmarks.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.Sh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a deployed {@code hostkit guard} costs: a real daemon process, started with the JVM flags of
 * {@code deploy/systemd/hostkit-guard.service}, guarding 1 and 100 macvlans (one per throwaway namespace, on a veth
 * parent), measured from /proc: resident memory, threads (hostkit's own by name, and the JVM's), CPU time and
 * voluntary context switches (wake-ups) while idle, then the first repair after idling and 10 parent bounces.
 * The daemon runs in a private "home" namespace holding the parent ({@code ip netns exec}): on a shared machine the
 * host namespace sees other programs' links come and go all the time, which is not "nothing changes".
 *
 * <p>Run as root from the repository root, after {@code mvn -pl cli -am package}:
 * {@code java -cp ... dev.hostkit.benchmarks.guard.GuardFootprintBenchmark [idleSeconds] [sizes...]}. The JVM flags
 * and {@code Environment=} variables are the unit's. To compare builds side by side in one run, name them:
 * {@code -Dhk.jars=before=/tmp/base/hostkit.jar,after=cli/target/hostkit.jar} (each size runs each jar in turn);
 * {@code -Dhk.flags="..."} replaces the unit's flags (to try others); {@code -Dhk.netns=true} hands the daemon its
 * namespaces with {@code --netns} instead of letting it look at every process and named namespace (on a machine
 * where other programs make namespaces all the time, the only way to see what "nothing changes" costs);
 * {@code -Dhk.coldCache=true} drops the page cache before each daemon starts (builds with different runtime files
 * then compare fairly: see {@link UnitFile#coldCacheIfAsked}). An install's own {@code jre/bin/java} runs its daemon.
 */
public final class GuardFootprintBenchmark {
    private static final Pattern EVENT =
            Pattern.compile("\"event\":\"([a-z_]+)\".*\"millis\":([0-9.]+).*\"at\":([0-9]+)");
    private static final long CLK_TCK =
            Long.parseLong(Sh.run("getconf", "CLK_TCK").strip());
    private static final int RESYNC_SECONDS = 3;
    private static final int BOUNCES = Integer.getInteger("hk.bounces", 10); // parent bounces after idling

    private GuardFootprintBenchmark() {}

    public static void main(String[] args) throws Exception {
        int idle = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int[] sizes = args.length > 1
                ? Arrays.stream(args, 1, args.length)
                        .mapToInt(Integer::parseInt)
                        .toArray()
                : new int[] {1, 100};
        Map<String, Path> jars = new java.util.LinkedHashMap<>();
        for (String j :
                System.getProperty("hk.jars", "this=cli/target/hostkit.jar").split(",")) {
            String[] kv = j.split("=", 2);
            jars.put(kv[0], Path.of(kv[1]).toAbsolutePath());
        }
        Path unit = Path.of("deploy/systemd/hostkit-guard.service");
        List<String> flags = System.getProperty("hk.flags") != null
                ? List.of(System.getProperty("hk.flags").trim().split("\\s+"))
                : UnitFile.flags(unit);
        Map<String, String> env = UnitFile.environment(unit);
        System.out.printf(
                Locale.ROOT,
                "kernel %s, %d CPUs; JVM flags: %s; environment %s; jars %s; idle window %d s, resync %d s%n",
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                Runtime.getRuntime().availableProcessors(),
                String.join(" ", flags),
                env,
                jars,
                idle,
                RESYNC_SECONDS);
        List<String> made = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanup(made), "hkbench-footprint-cleanup"));
        List<String> rows = new ArrayList<>();
        String home = GuardRepairBenchmark.PARENT + "home";
        Sh.run("ip", "netns", "add", home);
        made.add("netns:" + home);
        try (NetNamespace homeNs = NetNamespace.open(NetNamespace.NAMED_DIR.resolve(home));
                RtNetlink host = RtNetlink.open(homeNs)) {
            GuardRepairBenchmark.loadParent(host);
            for (int n : sizes) {
                List<Path> namespaces = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String name = GuardRepairBenchmark.PARENT + "f" + i;
                    Sh.run("ip", "netns", "add", name);
                    made.add("netns:" + name);
                    namespaces.add(NetNamespace.NAMED_DIR.resolve(name));
                    GuardRepairBenchmark.giveMacvlan(host, namespaces.get(i), i + 2);
                }
                for (var j : jars.entrySet()) {
                    rows.addAll(measure(
                            host,
                            home,
                            j.getKey(),
                            j.getValue(),
                            UnitFile.asInstalled(flags, j.getValue()),
                            env,
                            namespaces,
                            n,
                            idle));
                }
                for (Path p : namespaces) {
                    Sh.run("ip", "netns", "del", p.getFileName().toString());
                    made.remove("netns:" + p.getFileName());
                }
            }
        } finally {
            cleanup(made);
            made.clear();
        }
        System.out.println();
        System.out.println(
                "| build | interfaces | state | load avg | RSS (MB) | threads (hostkit's) | CPU (% of a core) | wake-ups per resync (hostkit's) | repairs |");
        System.out.println("|---|---:|---|---|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
    }

    private static List<String> measure(
            RtNetlink host,
            String home,
            String label,
            Path jar,
            List<String> flags,
            Map<String, String> env,
            List<Path> namespaces,
            int n,
            int idle)
            throws Exception {
        Path state = Files.createTempDirectory("hkbench-footprint");
        List<String> cmd = UnitFile.guardCommand(home, flags, jar, state, RESYNC_SECONDS);
        if (Boolean.getBoolean("hk.netns")) {
            namespaces.forEach(ns -> cmd.addAll(List.of("--netns", ns.toString())));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env); // ip netns exec passes the environment on
        UnitFile.coldCacheIfAsked();
        Process p = pb.start();
        Map<String, AtomicInteger> counts = new TreeMap<>();
        ConcurrentLinkedQueue<double[]> repairs = new ConcurrentLinkedQueue<>(); // {daemon's millis, at epoch millis}
        Thread reader = new Thread(() -> read(p, counts, repairs), "hkbench-footprint-stdout");
        reader.setDaemon(true);
        reader.start();
        List<String> rows = new ArrayList<>();
        try {
            long pid = p.pid(); // ip netns exec execs java: same pid
            waitFor(() -> count(counts, "snapshot") >= n, "snapshots", 60);
            Thread.sleep(5_000); // start-up compilation settles
            Sample a = Sample.of(pid);
            Thread.sleep(idle * 1000L);
            Sample b = Sample.of(pid);
            rows.add(row(label, n, "idle " + idle + " s", a, b, ""));
            System.out.println(label + ": threads idle: " + b.threads.keySet());
            // 10 parent bounces; the first one is the first repair of a daemon that idled for `idle` seconds.
            List<String> firsts = new ArrayList<>();
            List<Double> endToEnd = new ArrayList<>();
            List<Double> inDaemon = new ArrayList<>();
            Sample c = Sample.of(pid);
            int maxThreads = c.threads.size();
            for (int r = 0; r < BOUNCES; r++) {
                int lost = count(counts, "lost");
                repairs.clear();
                host.deleteLink(GuardRepairBenchmark.PARENT);
                waitFor(() -> count(counts, "lost") >= lost + n, "losses", 30);
                long t0 = System.currentTimeMillis();
                GuardRepairBenchmark.loadParent(host);
                waitFor(() -> repairs.size() >= n, "repairs", 60);
                double last = repairs.stream().mapToDouble(x -> x[1]).max().orElseThrow();
                double median = repairs.stream().mapToDouble(x -> x[0]).sorted().toArray()[n / 2];
                endToEnd.add(last - t0);
                inDaemon.add(median);
                maxThreads = Math.max(maxThreads, Sample.of(pid).threads.size());
                // -Dhk.afterBounceMillis: wait before the next bounce so every announcement round of this one is sent
                // (else the next parent removal cuts the later rounds short, and builds that announce later send less).
                Thread.sleep(Long.getLong("hk.afterBounceMillis", 0));
            }
            Sample d = Sample.of(pid);
            List<Double> steady = new ArrayList<>(endToEnd.subList(1, endToEnd.size()));
            steady.sort(null);
            List<Double> steadyIn = new ArrayList<>(inDaemon.subList(1, inDaemon.size()));
            steadyIn.sort(null);
            String repairText = String.format(
                    Locale.ROOT,
                    "first after idling: %.1f ms end to end (daemon's median repair %.1f ms); later: median %.1f ms (daemon's %.1f ms); "
                            + "kernel (system time) share %.0f%%; CPU per bounce user %.0f / system %.0f ms; max threads %d",
                    endToEnd.get(0),
                    inDaemon.get(0),
                    steady.get(steady.size() / 2),
                    steadyIn.get(steadyIn.size() / 2),
                    100.0 * (d.stime - c.stime) / Math.max(1, d.utime + d.stime - c.utime - c.stime),
                    1000.0 * (d.utime - c.utime) / CLK_TCK / BOUNCES,
                    1000.0 * (d.stime - c.stime) / CLK_TCK / BOUNCES,
                    maxThreads);
            rows.add(row(label, n, BOUNCES + " bounces", c, d, repairText));
            System.out.println("threads at the end: " + d.threads);
        } finally {
            p.destroy();
            p.waitFor();
            try (Stream<Path> files = Files.list(state)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(state);
        }
        rows.forEach(System.out::println);
        return rows;
    }

    private static String row(String label, int n, String what, Sample a, Sample b, String repairs) {
        double seconds = (b.nanos - a.nanos) / 1e9;
        double cpu = 100.0 * (b.utime + b.stime - a.utime - a.stime) / CLK_TCK / seconds;
        double periods = seconds / RESYNC_SECONDS;
        long own = b.threads.keySet().stream()
                .filter(GuardFootprintBenchmark::hostkits)
                .count();
        return String.format(
                Locale.ROOT,
                "| %s | %d | %s | %s | %.1f (peak %.1f) | %d (%d) | %.3f | %.1f (%.1f) | %s |",
                label,
                n,
                what,
                b.load,
                b.rssKb / 1024.0,
                b.hwmKb / 1024.0,
                b.threads.size(),
                own,
                cpu,
                b.switchesSince(a, false) / periods,
                b.switchesSince(a, true) / periods,
                repairs);
    }

    private static boolean hostkits(String threadName) {
        return threadName.startsWith("hostkit") || threadName.startsWith("prometheus");
    }

    // Per thread (name#tid): voluntary context switches, i.e. the times it went to sleep and was woken again.
    private record Sample(
            long nanos, long utime, long stime, long rssKb, long hwmKb, Map<String, Long> threads, String load) {
        static Sample of(long pid) throws IOException {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            Map<String, Long> threads = new TreeMap<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        String name = Files.readString(t.resolve("comm")).strip();
                        threads.put(
                                name + "#" + t.getFileName(),
                                field(Files.readString(t.resolve("status")), "voluntary_ctxt_switches"));
                    } catch (IOException gone) {
                        // the thread ended while being read
                    }
                }
            }
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            String load = String.join(
                    " ",
                    Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
            return new Sample(
                    System.nanoTime(),
                    Long.parseLong(f[11]),
                    Long.parseLong(f[12]),
                    field(status, "VmRSS"),
                    field(status, "VmHWM"),
                    threads,
                    load);
        }

        // Wake-ups since `earlier`, per thread: a thread alive in both counts its difference, one born since counts all
        // of its own; one that ended in between is gone from /proc with its count (an undercount of its last moments).
        long switchesSince(Sample earlier, boolean hostkitsOnly) {
            return threads.entrySet().stream()
                    .filter(e -> !hostkitsOnly || hostkits(e.getKey()))
                    .mapToLong(e -> e.getValue() - earlier.threads.getOrDefault(e.getKey(), 0L))
                    .sum();
        }

        private static long field(String status, String key) {
            for (String line : status.split("\n")) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(
                            line.substring(key.length() + 1).strip().split("\\s+")[0]);
                }
            }
            throw new IllegalStateException("no " + key + " in /proc status");
        }
    }

    private static void read(Process p, Map<String, AtomicInteger> counts, ConcurrentLinkedQueue<double[]> repairs) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = EVENT.matcher(line);
                if (m.find()) {
                    if (m.group(1).equals("repaired")) {
                        repairs.add(new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))});
                    } else if (m.group(1).equals("repair_failed")) {
                        System.err.println(line);
                    }
                    synchronized (counts) {
                        counts.computeIfAbsent(m.group(1), k -> new AtomicInteger())
                                .incrementAndGet();
                    }
                }
            }
        } catch (IOException e) {
            // the daemon ended
        }
    }

    private static int count(Map<String, AtomicInteger> counts, String type) {
        synchronized (counts) {
            AtomicInteger c = counts.get(type);
            return c == null ? 0 : c.get();
        }
    }

    private interface Check {
        boolean done();
    }

    private static void waitFor(Check c, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!c.done()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    private static void cleanup(List<String> made) {
        List<String> reversed = new ArrayList<>(made);
        java.util.Collections.reverse(reversed); // the home namespace (and the parent in it) last
        for (String m : reversed) {
            if (m.startsWith("netns:")) {
                Sh.exec("ip", "netns", "del", m.substring(6));
            } else {
                Sh.exec("ip", "link", "del", m.substring(5));
            }
        }
    }
}
