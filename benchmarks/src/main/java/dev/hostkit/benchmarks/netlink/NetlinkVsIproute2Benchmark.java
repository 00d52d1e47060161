package dev.hostkit.benchmarks.netlink;

import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.Batch;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.RtNetlink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * hostkit's rtnetlink against iproute2 on the same work, side by side in one run, in throwaway namespaces:
 * (1) create N macvlans on a veth parent, each up with one IPv4 address ({@code ip -batch} vs a pipelined
 * {@link Batch}), with the kernel's own system time reported as the floor; (2) dump N links with details
 * ({@code ip -j -d link show} vs {@link RtNetlink#links()}).
 *
 * <p>Run as root: {@code java -cp ... dev.hostkit.benchmarks.netlink.NetlinkVsIproute2Benchmark [links] [rounds]}.
 */
public final class NetlinkVsIproute2Benchmark {
    private static final long TICK_NANOS = 1_000_000_000L / 100; // USER_HZ

    private NetlinkVsIproute2Benchmark() {}

    /** Wall time and CPU time (user, system) of one measured run, in milliseconds. */
    record Sample(double wallMs, double userMs, double sysMs) {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        System.out.printf(
                Locale.ROOT,
                "kernel %s, %d links, %d rounds%n",
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                n,
                rounds);
        try (BenchNamespace ns = new BenchNamespace("c")) {
            Path addBoth = batchFile(n, true, ns.name);
            Path addThenUp = batchFile(n, false, ns.name);
            // Warm-up: the JIT compiles hostkit's path; the page cache holds ip.
            for (int i = 0; i < 3; i++) {
                hostkitCreate(ns, n);
                ns.deleteMacvlans();
                ipBatch(ns.name, addBoth);
                ns.deleteMacvlans();
            }
            List<Sample> hk = new ArrayList<>();
            List<Sample> ip2 = new ArrayList<>();
            List<Sample> ip3 = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                hk.add(hostkitCreate(ns, n));
                ns.deleteMacvlans();
                ip2.add(ipBatch(ns.name, addBoth));
                check(ns, n);
                ns.deleteMacvlans();
                ip3.add(ipBatch(ns.name, addThenUp));
                check(ns, n);
                ns.deleteMacvlans();
            }
            System.out.println();
            System.out.println("create " + n + " macvlans, each up with one IPv4 address (median of " + rounds + "):");
            report("hostkit Batch (pipelined, created up)", hk);
            report("ip -batch: link add ... up; addr add", ip2);
            report("ip -batch: link add; link set up; addr add", ip3);
            System.out.printf(
                    Locale.ROOT,
                    "ratio hostkit/ip (wall): %.2f vs 'add ... up', %.2f vs 'add; set up'%n",
                    median(hk, Sample::wallMs) / median(ip2, Sample::wallMs),
                    median(hk, Sample::wallMs) / median(ip3, Sample::wallMs));
            double floor = hk.stream().mapToDouble(Sample::sysMs).average().orElse(0);
            double fastestIp = Math.min(median(ip2, Sample::wallMs), median(ip3, Sample::wallMs));
            System.out.printf(
                    Locale.ROOT,
                    "kernel floor (hostkit's system time): %.1f ms = %.2f of the faster ip variant's wall%n",
                    floor,
                    floor / fastestIp);

            ns.createMacvlans(n);
            dumpComparison(ns, n, rounds);
            ns.deleteMacvlans();
        }
    }

    private static void check(BenchNamespace ns, int n) {
        long made = ns.rt.links().stream()
                .filter(l -> l.kind() instanceof LinkKind.Macvlan && l.isUp())
                .count();
        long addrs = ns.rt.addresses().stream()
                .filter(a -> a.cidr().startsWith("10.5"))
                .count();
        if (made != n || addrs != n) {
            throw new IllegalStateException("expected " + n + " macvlans up with addresses, found " + made
                    + " links and " + addrs + " addresses");
        }
    }

    private static String cidr(int i) {
        return "10." + (50 + i / 62500) + "." + (i / 250 % 250) + "." + (i % 250 + 1) + "/16";
    }

    private static Path batchFile(int n, boolean upOnAdd, String ns) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("link add link ")
                    .append(BenchNamespace.PARENT)
                    .append(" name hkm")
                    .append(i)
                    .append(upOnAdd ? " up" : "")
                    .append(" type macvlan mode bridge\n");
            if (!upOnAdd) {
                sb.append("link set hkm").append(i).append(" up\n");
            }
            sb.append("address add ")
                    .append(cidr(i))
                    .append(" dev hkm")
                    .append(i)
                    .append('\n');
        }
        Path f = Files.createTempFile("hkbench-" + ns, ".batch");
        f.toFile().deleteOnExit();
        Files.writeString(f, sb);
        return f;
    }

    private static Sample hostkitCreate(BenchNamespace ns, int n) {
        long[] before = threadTicks();
        long t0 = System.nanoTime();
        Batch links = ns.rt.batch();
        for (int i = 0; i < n; i++) {
            links.createLink(LinkSpec.macvlan("hkm" + i, ns.parentIndex, MacvlanMode.BRIDGE)
                    .up());
        }
        links.executeOrThrow();
        Map<String, Integer> index = new HashMap<>();
        for (Link l : ns.rt.links()) {
            index.put(l.name(), l.index());
        }
        Batch addresses = ns.rt.batch();
        for (int i = 0; i < n; i++) {
            addresses.addAddress(Address.of(index.get("hkm" + i), cidr(i)));
        }
        addresses.executeOrThrow();
        long wall = System.nanoTime() - t0;
        long[] after = threadTicks();
        check(ns, n);
        return new Sample(
                wall / 1e6, (after[0] - before[0]) * TICK_NANOS / 1e6, (after[1] - before[1]) * TICK_NANOS / 1e6);
    }

    /** Runs {@code ip -n NS -batch FILE} under /usr/bin/time: wall, user and system time of the ip process. */
    private static Sample ipBatch(String ns, Path file) throws IOException, InterruptedException {
        return timed("ip", "-n", ns, "-batch", file.toString());
    }

    static Sample timed(String... cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-f", "HKTIME %e %U %S"));
        full.addAll(Arrays.asList(cmd));
        Process p = new ProcessBuilder(full)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long t0 = System.nanoTime();
        String err = new String(p.getErrorStream().readAllBytes());
        int rc = p.waitFor();
        long wall = System.nanoTime() - t0;
        String line = err.lines()
                .filter(l -> l.startsWith("HKTIME"))
                .findFirst()
                .orElseThrow(() -> new IOException(String.join(" ", cmd) + ": " + err));
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + rc + ": " + err);
        }
        String[] f = line.split(" ");
        return new Sample(wall / 1e6, Double.parseDouble(f[2]) * 1000, Double.parseDouble(f[3]) * 1000);
    }

    private static void dumpComparison(BenchNamespace ns, int n, int rounds) throws IOException, InterruptedException {
        // hostkit: in-process after warm-up, as a long-running agent uses it.
        int count = 0;
        for (int i = 0; i < 300; i++) {
            count += ns.rt.links().size();
        }
        List<Sample> hk = new ArrayList<>();
        for (int r = 0; r < Math.max(rounds * 10, 50); r++) {
            long[] before = threadTicks();
            long t0 = System.nanoTime();
            List<Link> links = ns.rt.links();
            long wall = System.nanoTime() - t0;
            long[] after = threadTicks();
            count += links.size();
            hk.add(new Sample(
                    wall / 1e6, (after[0] - before[0]) * TICK_NANOS / 1e6, (after[1] - before[1]) * TICK_NANOS / 1e6));
        }
        timed("ip", "-n", ns.name, "-j", "-d", "link", "show");
        List<Sample> ip = new ArrayList<>();
        for (int r = 0; r < Math.max(rounds * 3, 20); r++) {
            ip.add(timed("ip", "-n", ns.name, "-j", "-d", "link", "show"));
        }
        System.out.println();
        System.out.println("dump " + (n + 3) + " links with details (median; " + count + " links read in all):");
        report("hostkit RtNetlink.links()", hk);
        report("ip -j -d link show", ip);
        System.out.printf(
                Locale.ROOT,
                "ratio hostkit/ip (wall): %.2f%n",
                median(hk, Sample::wallMs) / median(ip, Sample::wallMs));
    }

    // CPU times come in 10 ms clock ticks, so they are reported as the mean over all runs, not a median.
    private static void report(String what, List<Sample> samples) {
        System.out.printf(
                Locale.ROOT,
                "  %-45s wall %8.2f ms (min %8.2f)  user %7.2f ms  sys %7.2f ms (CPU: mean of %d runs)%n",
                what,
                median(samples, Sample::wallMs),
                samples.stream().mapToDouble(Sample::wallMs).min().orElse(0),
                samples.stream().mapToDouble(Sample::userMs).average().orElse(0),
                samples.stream().mapToDouble(Sample::sysMs).average().orElse(0),
                samples.size());
    }

    static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> f) {
        double[] v = samples.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** utime and stime of the calling thread in clock ticks (/proc/thread-self/stat fields 14 and 15). */
    private static long[] threadTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
