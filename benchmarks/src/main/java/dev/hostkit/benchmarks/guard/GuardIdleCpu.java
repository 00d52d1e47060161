package dev.hostkit.benchmarks.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.Sh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Where an idle {@code hostkit guard} spends its CPU, per thread: a real daemon (the unit's JVM flags and environment,
 * resync 3 s, in a private home namespace holding a veth parent) guarding 1 and 100 macvlans, in both ways the
 * namespaces are found: handed by {@code --netns} ("netns") and by looking at every process and named namespace of
 * the host as deployed ("deployed"). Each thread's run time comes from {@code /proc/PID/task/TID/schedstat}
 * (nanoseconds, not the 10 ms ticks of {@code stat}) over the idle window, after the start-up has settled. Builds are
 * run in turn for each case, so their figures sit side by side under the same load.
 *
 * <p>Run as root from the repository root, after {@code mvn -pl cli -am package}:
 * {@code java -cp ... dev.hostkit.benchmarks.guard.GuardIdleCpu [windowSeconds] [sizes...]} with
 * {@code -Dhk.jars=base=/tmp/base.jar,this=cli/target/hostkit.jar} (default: this build alone);
 * {@code -Dhk.extraFlags="..."} adds JVM flags after the unit's, {@code -Dhk.modes=netns} (or {@code deployed}) runs
 * one mode only, {@code -Dhk.settle=S} waits S seconds after the start (default 20), and {@code -Dhk.out=DIR} keeps
 * each daemon's output in {@code DIR/build-mode-N.out}. Builds whose units differ: {@code -Dhk.unit.NAME=PATH} runs
 * build NAME with that unit's flags and environment (default: this tree's unit), and {@code -Dhk.extraFlags.NAME="..."}
 * adds flags to that build alone. The RSS column is the daemon's resident set at the end of the window.
 * {@code -Dhk.empty=N} also makes N named namespaces with nothing to guard (pods without a macvlan), which the
 * deployed daemon finds, judges empty and looks into again now and then ({@code NamespaceCensus.RECHECK}).
 */
public final class GuardIdleCpu {
    private static final int RESYNC_SECONDS = 3;
    private static final int SETTLE_SECONDS = Integer.getInteger("hk.settle", 20);

    private GuardIdleCpu() {}

    public static void main(String[] args) throws Exception {
        int window = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int[] sizes = args.length > 1
                ? Arrays.stream(args, 1, args.length)
                        .mapToInt(Integer::parseInt)
                        .toArray()
                : new int[] {1, 100};
        Map<String, Path> jars = new LinkedHashMap<>();
        for (String j :
                System.getProperty("hk.jars", "this=cli/target/hostkit.jar").split(",")) {
            String[] kv = j.split("=", 2);
            jars.put(kv[0], Path.of(kv[1]).toAbsolutePath());
        }
        Path unit = Path.of("deploy/systemd/hostkit-guard.service");
        Map<String, List<String>> flagsOf = new LinkedHashMap<>();
        Map<String, Map<String, String>> envOf = new LinkedHashMap<>();
        for (String label : jars.keySet()) {
            Path u = Path.of(System.getProperty("hk.unit." + label, unit.toString()));
            List<String> flags = new ArrayList<>(UnitFile.flags(u));
            // e.g. -Xlog:gc*:file=/tmp/gc.log to see what the VM thread does
            for (String extra : new String[] {
                System.getProperty("hk.extraFlags", ""), System.getProperty("hk.extraFlags." + label, "")
            }) {
                if (!extra.isBlank()) {
                    flags.addAll(List.of(extra.trim().split("\\s+")));
                }
            }
            flagsOf.put(label, flags);
            envOf.put(label, UnitFile.environment(u));
            System.out.printf(
                    Locale.ROOT,
                    "%s: JVM flags %s; environment %s%n",
                    label,
                    String.join(" ", flags),
                    envOf.get(label));
        }
        System.out.printf(
                Locale.ROOT,
                "kernel %s, %d CPUs; jars %s; window %d s after %d s, resync %d s%n",
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                Runtime.getRuntime().availableProcessors(),
                jars,
                window,
                SETTLE_SECONDS,
                RESYNC_SECONDS);
        List<String> made = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanup(made), "hkbench-idle-cleanup"));
        List<String> rows = new ArrayList<>();
        String home = GuardRepairBenchmark.PARENT + "home";
        Sh.run("ip", "netns", "add", home);
        made.add(home);
        try (NetNamespace homeNs = NetNamespace.open(NetNamespace.NAMED_DIR.resolve(home));
                RtNetlink host = RtNetlink.open(homeNs)) {
            GuardRepairBenchmark.loadParent(host);
            for (int i = 0; i < Integer.getInteger("hk.empty", 0); i++) {
                String name = GuardRepairBenchmark.PARENT + "e" + i;
                Sh.run("ip", "netns", "add", name);
                made.add(name);
            }
            for (int n : sizes) {
                List<Path> namespaces = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String name = GuardRepairBenchmark.PARENT + "i" + i;
                    Sh.run("ip", "netns", "add", name);
                    made.add(name);
                    namespaces.add(NetNamespace.NAMED_DIR.resolve(name));
                    GuardRepairBenchmark.giveMacvlan(host, namespaces.get(i), i + 2);
                }
                for (boolean deployed : modes()) {
                    for (var j : jars.entrySet()) {
                        String row = measure(
                                home,
                                j.getKey(),
                                j.getValue(),
                                UnitFile.asInstalled(flagsOf.get(j.getKey()), j.getValue()),
                                envOf.get(j.getKey()),
                                namespaces,
                                deployed,
                                window);
                        System.out.println(row);
                        rows.add(row);
                    }
                }
                for (Path p : namespaces) {
                    Sh.run("ip", "netns", "del", p.getFileName().toString());
                    made.remove(p.getFileName().toString());
                }
            }
        } finally {
            cleanup(made);
            made.clear();
        }
        System.out.println();
        System.out.println(
                "| build | mode | interfaces | load avg | RSS (MB) | CPU ms per minute (% of a core) | hostkit-guard-loop | "
                        + "VM Thread | C1 | other threads |");
        System.out.println("|---|---|---:|---|---:|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
    }

    private static String measure(
            String home,
            String label,
            Path jar,
            List<String> flags,
            Map<String, String> env,
            List<Path> namespaces,
            boolean deployed,
            int window)
            throws Exception {
        Path state = Files.createTempDirectory("hkbench-idle");
        List<String> cmd = UnitFile.guardCommand(home, flags, jar, state, RESYNC_SECONDS);
        if (!deployed) {
            namespaces.forEach(ns -> cmd.addAll(List.of("--netns", ns.toString())));
        }
        String out = System.getProperty("hk.out");
        ProcessBuilder.Redirect to = out == null
                ? ProcessBuilder.Redirect.DISCARD
                : ProcessBuilder.Redirect.to(
                        Path.of(out, label + "-" + (deployed ? "deployed" : "netns") + "-" + namespaces.size() + ".out")
                                .toFile());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(to);
        pb.environment().putAll(env); // ip netns exec passes the environment on
        UnitFile.coldCacheIfAsked();
        Process p = pb.start();
        try {
            long pid = p.pid(); // ip netns exec execs java: same pid
            Thread.sleep(SETTLE_SECONDS * 1000L);
            Map<String, Long> a = runTimes(pid);
            Thread.sleep(window * 1000L);
            Map<String, Long> b = runTimes(pid);
            double rssMb = rssKb(pid) / 1024.0;
            String load = String.join(
                    " ",
                    Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
            Map<String, Double> byName = new TreeMap<>();
            double total = 0;
            for (var e : b.entrySet()) {
                double ms = (e.getValue() - a.getOrDefault(e.getKey(), 0L)) / 1e6 * 60.0 / window;
                total += ms;
                byName.merge(e.getKey().substring(0, e.getKey().indexOf('#')), ms, Double::sum);
            }
            double loop = take(byName, "hostkit-guard-l");
            double vm = take(byName, "VM Thread");
            double c1 = take(byName, "C1 CompilerThre");
            List<String> others = new ArrayList<>();
            byName.entrySet().stream()
                    .filter(e -> e.getValue() >= 0.5)
                    .sorted(Collections.reverseOrder(Map.Entry.comparingByValue()))
                    .forEach(e -> others.add(String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue())));
            return String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %s | %.1f | %.1f (%.3f%%) | %.1f | %.1f | %.1f | %s |",
                    label,
                    deployed ? "deployed" : "netns",
                    namespaces.size(),
                    load,
                    rssMb,
                    total,
                    total / 600.0,
                    loop,
                    vm,
                    c1,
                    String.join(", ", others));
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

    private static boolean[] modes() {
        String m = System.getProperty("hk.modes", "netns,deployed");
        boolean netns = m.contains("netns");
        boolean deployed = m.contains("deployed");
        return netns && deployed ? new boolean[] {false, true} : new boolean[] {deployed};
    }

    // VmRSS of /proc/PID/status, in KB; 0 when unreadable.
    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    private static double take(Map<String, Double> byName, String name) {
        Double v = byName.remove(name);
        return v == null ? 0 : v;
    }

    // Run time (ns) per thread, keyed "comm#tid"; a thread that ended between the samples drops out.
    private static Map<String, Long> runTimes(long pid) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String name = Files.readString(t.resolve("comm")).strip();
                    long ns = Long.parseLong(
                            Files.readString(t.resolve("schedstat")).split(" ")[0]);
                    out.put(name + "#" + t.getFileName(), ns);
                } catch (IOException gone) {
                    // the thread ended while being read
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
