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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The repair an operator gets: a real {@code hostkit guard} process with the JVM flags of the systemd unit, in a private
 * home namespace holding the parent, guarding 1 and 100 macvlans (one per namespace, IPv4 + IPv6, three routes,
 * announcements on), started, left idle, then its parent bounced: the first repair after idling (cold-first) beside the
 * median of the following ones (steady state), with and without the start-up warm-up, in one run.
 * End to end: from the parent's creation to the arrival of the last {@code repaired} line on the daemon's stdout.
 */
final class GuardFirstRepair {
    private static final Pattern EVENT = Pattern.compile("\"event\":\"([a-z_]+)\".*\"millis\":([0-9.]+)");
    private static final long CLK_TCK =
            Long.parseLong(Sh.run("getconf", "CLK_TCK").strip());

    private GuardFirstRepair() {}

    /** A line of the daemon's stdout: event type, the daemon's own milliseconds, arrival time. */
    private record Seen(String type, double millis, long nanos) {}

    /** Args: idleSeconds bounces size... -- daemon options per configuration, separated by ",". */
    public static void main(String[] args) throws Exception {
        int idle = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int bounces = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        List<String> configs = args.length > 2 ? List.of(args[2].split(",")) : List.of("--no-warm-up", "");
        int[] sizes = args.length > 3
                ? Arrays.stream(args, 3, args.length)
                        .mapToInt(Integer::parseInt)
                        .toArray()
                : new int[] {1, 100};
        // An install made by deploy/install-hostkit.sh (-Dhk.jar=PREFIX/hostkit.jar) runs with its guardian archive.
        Path jar =
                Path.of(System.getProperty("hk.jar", "cli/target/hostkit.jar")).toAbsolutePath();
        List<String> flags = new ArrayList<>(
                UnitFile.asInstalled(UnitFile.flags(Path.of("deploy/systemd/hostkit-guard.service")), jar));
        String extra = System.getenv("HK_BENCH_JVM"); // e.g. -XX:SharedArchiveFile=... for the CDS comparison
        if (extra != null && !extra.isBlank()) {
            flags.addAll(List.of(extra.trim().split("\\s+")));
        }
        System.out.printf(
                Locale.ROOT,
                "kernel %s, %d CPUs; JVM flags from the unit: %s; idle %d s, %d bounces%n",
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                Runtime.getRuntime().availableProcessors(),
                String.join(" ", flags),
                idle,
                bounces);
        List<String> made = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanup(made), "hkbench-first-cleanup"));
        List<String> rows = new ArrayList<>();
        String home = GuardRepairBenchmark.PARENT + "h";
        Sh.run("ip", "netns", "add", home);
        made.add(home);
        try (NetNamespace homeNs = NetNamespace.open(NetNamespace.NAMED_DIR.resolve(home));
                RtNetlink host = RtNetlink.open(homeNs)) {
            GuardRepairBenchmark.loadParent(host);
            for (int n : sizes) {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String name = GuardRepairBenchmark.PARENT + "r" + i;
                    Sh.run("ip", "netns", "add", name);
                    made.add(name);
                    names.add(name);
                    GuardRepairBenchmark.giveMacvlan(host, NetNamespace.NAMED_DIR.resolve(name), i + 2);
                }
                for (String config : configs) {
                    rows.add(measure(
                            host,
                            home,
                            jar,
                            flags,
                            config.isBlank() ? List.of() : List.of(config.split(" ")),
                            n,
                            idle,
                            bounces));
                }
                for (String name : names) {
                    Sh.run("ip", "netns", "del", name);
                    made.remove(name);
                }
            }
        } finally {
            cleanup(made);
            made.clear();
        }
        System.out.println();
        System.out.println(
                "| interfaces | daemon options | load avg | start-up to guarding (ms) | cold-first end to end (ms) | "
                        + "cold-first in the daemon (ms, median) | steady end to end (ms, median) | steady in the daemon (ms, median) | "
                        + "daemon CPU, cold-first bounce (ms) | daemon CPU, steady bounce (ms, median) | kernel share of CPU | RSS after idling (MB) |");
        System.out.println("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private static String measure(
            RtNetlink host, String home, Path jar, List<String> flags, List<String> opts, int n, int idle, int bounces)
            throws Exception {
        Path state = Files.createTempDirectory("hkbench-first");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", home, UnitFile.java(jar)));
        cmd.addAll(flags);
        // A configuration's -XX: words are JVM flags, the rest daemon options; "cds" is the class-data sharing archive
        // of a daemon that warmed up (made once, as the deploy instructions make it).
        if (opts.contains("cds")) {
            cmd.add("-XX:SharedArchiveFile=" + cdsArchive(home, jar, flags));
        }
        cmd.addAll(opts.stream().filter(o -> o.startsWith("-XX:")).toList());
        List<String> daemonOpts = opts.stream()
                .filter(o -> !o.startsWith("-XX:") && !o.equals("cds"))
                .toList();
        cmd.addAll(List.of(
                "-jar",
                jar.toString(),
                "guard",
                "--state-dir",
                state.toString(),
                "--parent",
                GuardRepairBenchmark.PARENT));
        cmd.addAll(daemonOpts);
        long started = System.nanoTime();
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Events seen = new Events();
        Thread reader = new Thread(() -> read(p, seen), "hkbench-first-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            seen.await("snapshot", n, 120);
            double startup = (seen.last("snapshot") - started) / 1e6;
            Thread.sleep(idle * 1000L);
            String load = String.join(
                    " ",
                    Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
            double rssMb = rssKb(p.pid()) / 1024.0;
            long[] cpu0 = cpu(p.pid());
            Map<String, Long> threads0 = threadCpu(p.pid());
            List<Double> endToEnd = new ArrayList<>();
            List<Double> inDaemon = new ArrayList<>();
            List<Double> firstLine = new ArrayList<>();
            List<Double> cpuPerBounce = new ArrayList<>();
            for (int r = 0; r < bounces; r++) {
                long[] before = cpu(p.pid());
                seen.clear();
                host.deleteLink(GuardRepairBenchmark.PARENT);
                seen.await("lost", n, 60);
                long t0 = System.nanoTime();
                GuardRepairBenchmark.loadParent(host);
                seen.await("repaired", n, 60);
                endToEnd.add((seen.last("repaired") - t0) / 1e6);
                firstLine.add((seen.all().stream()
                                        .filter(e -> e.type.equals("repaired"))
                                        .mapToLong(Seen::nanos)
                                        .min()
                                        .orElseThrow()
                                - t0)
                        / 1e6);
                inDaemon.add(median(seen.all().stream()
                        .filter(e -> e.type.equals("repaired"))
                        .map(Seen::millis)
                        .toList()));
                if (seen.count("repair_failed") > 0) {
                    throw new IllegalStateException("a repair failed");
                }
                Thread.sleep(300); // the announcements' later rounds and the state writes finish between bounces
                long[] after = cpu(p.pid());
                cpuPerBounce.add(1000.0 * (after[0] + after[1] - before[0] - before[1]) / CLK_TCK);
            }
            long[] cpu1 = cpu(p.pid());
            Map<String, Long> threads1 = threadCpu(p.pid());
            StringBuilder perThread = new StringBuilder();
            threads1.forEach((name, ticks) -> {
                long d = ticks - threads0.getOrDefault(name, 0L);
                if (d > 0) {
                    perThread.append(String.format(Locale.ROOT, " %s %.1f;", name, 1000.0 * d / CLK_TCK / bounces));
                }
            });
            String row = String.format(
                    Locale.ROOT,
                    "| %d | `%s` | %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f%% | %.1f |",
                    n,
                    opts.isEmpty() ? "(defaults)" : String.join(" ", opts),
                    load,
                    startup,
                    endToEnd.get(0),
                    inDaemon.get(0),
                    median(endToEnd.subList(1, endToEnd.size())),
                    median(inDaemon.subList(1, inDaemon.size())),
                    cpuPerBounce.get(0),
                    median(cpuPerBounce.subList(1, cpuPerBounce.size())),
                    100.0 * (cpu1[1] - cpu0[1]) / Math.max(1, cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]),
                    rssMb);
            System.out.println(row + "  all end to end: " + endToEnd + "; first repaired line after: " + firstLine
                    + "; daemon's median per bounce: " + inDaemon + "; daemon CPU ms per bounce: " + cpuPerBounce
                    + "; CPU ms per bounce by thread (living threads):"
                    + perThread);
            return row;
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
    }

    // A dynamic CDS archive from a daemon run that did its warm-up (so the repair path's classes are in it), stopped
    // with SIGTERM like systemd stops it: java -XX:ArchiveClassesAtExit=... -jar hostkit.jar guard ... --warm-up 20.
    private static Path cdsArchive(String home, Path jar, List<String> flags) throws Exception {
        Path jsa = jar.resolveSibling("hostkit-guard.jsa");
        if (Files.exists(jsa) && Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(jar)) > 0) {
            return jsa;
        }
        Path state = Files.createTempDirectory("hkbench-cds");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", home, UnitFile.java(jar)));
        cmd.addAll(flags);
        cmd.addAll(List.of(
                "-XX:ArchiveClassesAtExit=" + jsa,
                "-jar",
                jar.toString(),
                "guard",
                "--state-dir",
                state.toString(),
                "--netns",
                state.resolve("none").toString(),
                "--warm-up",
                "20"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.contains("warmed up the repair path") || line.contains("warm-up of the repair path failed")) {
                    Thread.sleep(3_000); // a first pass and a metrics write, as a running daemon does
                    Sh.run("kill", "-TERM", Long.toString(p.pid())); // the archive is written at exit
                }
            }
        }
        System.out.println("CDS archive " + jsa + ": daemon exit " + p.waitFor() + ", " + Files.size(jsa) + " bytes");
        try (Stream<Path> files = Files.list(state)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(state);
        return jsa;
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private static long[] cpu(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static void read(Process p, Events seen) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                long at = System.nanoTime();
                Matcher m = EVENT.matcher(line);
                if (m.find()) {
                    seen.add(new Seen(m.group(1), Double.parseDouble(m.group(2)), at));
                    if (m.group(1).equals("repair_failed")) {
                        System.err.println(line);
                    }
                }
            }
        } catch (IOException e) {
            // the daemon ended
        }
    }

    /** The daemon's events so far; waiting is woken by each arrival (no polling beside the daemon). */
    private static final class Events {
        private final List<Seen> list = new ArrayList<>();

        synchronized void add(Seen e) {
            list.add(e);
            notifyAll();
        }

        synchronized void clear() {
            list.clear();
        }

        synchronized List<Seen> all() {
            return List.copyOf(list);
        }

        synchronized int count(String type) {
            return (int) list.stream().filter(e -> e.type.equals(type)).count();
        }

        synchronized long last(String type) {
            return list.stream()
                    .filter(e -> e.type.equals(type))
                    .mapToLong(Seen::nanos)
                    .max()
                    .orElseThrow();
        }

        synchronized void await(String type, int n, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (count(type) < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("timed out waiting for " + n + " '" + type + "' events");
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    // CPU time (utime + stime ticks) per thread name, digits folded ("hostkit-netns-12" -> "hostkit-netns-N").
    private static Map<String, Long> threadCpu(long pid) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9]+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException gone) {
                    // the thread ended while being read; its time is lost to this sample
                }
            }
        }
        return out;
    }

    private static void cleanup(List<String> made) {
        List<String> reversed = new ArrayList<>(made);
        Collections.reverse(reversed); // the home namespace (and the parent in it) last
        for (String name : reversed) {
            Sh.exec("ip", "netns", "del", name);
        }
    }
}
