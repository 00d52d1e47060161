package dev.hostkit.benchmarks.netlink;

import dev.hostkit.netlink.Route;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.hostkit.benchmarks.netlink.NetlinkVsIproute2Benchmark.median;
import static dev.hostkit.benchmarks.netlink.NetlinkVsIproute2Benchmark.timed;
import static dev.hostkit.testkit.Sh.run;

/**
 * What multipath parsing costs: a dump of N single-path routes (table 100) against N two-next-hop routes
 * (table 101), hostkit's {@code routes(table)} side by side with {@code ip -j route show table T}, in a throwaway
 * namespace. Besides wall time it reports CPU time (the calling thread's, which includes the kernel building the
 * dump in recvmsg; ip's user + system from /usr/bin/time), which a loaded shared host disturbs far less.
 * Run as root: {@code java -cp ... dev.hostkit.benchmarks.netlink.RouteDumpBenchmark [routes] [rounds]}.
 */
public final class RouteDumpBenchmark {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private RouteDumpBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        try (BenchNamespace ns = new BenchNamespace("r")) {
            run("ip", "-n", ns.name, "link", "add", "hkbr", "type", "veth", "peer", "name", "hkbs");
            for (String l : List.of("hkbq", "hkbr", "hkbs")) {
                run("ip", "-n", ns.name, "link", "set", l, "up");
            }
            run("ip", "-n", ns.name, "addr", "add", "10.1.0.2/16", "dev", BenchNamespace.PARENT);
            run("ip", "-n", ns.name, "addr", "add", "10.2.0.2/16", "dev", "hkbr");
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < n; i++) {
                String host = (i / 250) + "." + (i % 250 + 1);
                batch.append("route add 10.100.")
                        .append(host)
                        .append("/32 via 10.1.0.1 dev ")
                        .append(BenchNamespace.PARENT)
                        .append(" table 100\n");
                batch.append("route add 10.200.")
                        .append(host)
                        .append("/32 table 101 nexthop via 10.1.0.1 dev ")
                        .append(BenchNamespace.PARENT)
                        .append(" nexthop via 10.2.0.1 dev hkbr weight 2\n");
            }
            Path f = Files.createTempFile("hkbench-routes", ".batch");
            f.toFile().deleteOnExit();
            Files.writeString(f, batch);
            run("ip", "-n", ns.name, "-batch", f.toString());
            if (ns.rt.routes(100).size() != n
                    || ns.rt.routes(101).stream().filter(Route::isMultipath).count() != n) {
                throw new IllegalStateException(
                        "expected " + n + " routes in table 100 and " + n + " multipath routes in table 101");
            }
            System.out.printf(
                    Locale.ROOT,
                    "kernel %s, %d routes per table, %d rounds%n",
                    Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                    n,
                    rounds);
            double[] hk = new double[2];
            double[] ip = new double[2];
            // Warm-up of both tables, then the rounds alternate so JIT state and host load hit both alike.
            for (int i = 0; i < 1000; i++) {
                ns.rt.routes(100 + i % 2);
            }
            List<List<NetlinkVsIproute2Benchmark.Sample>> ours = List.of(new ArrayList<>(), new ArrayList<>());
            for (int r = 0; r < 2 * rounds; r++) {
                int t = r % 2;
                long c0 = CPU.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                List<Route> got = ns.rt.routes(100 + t);
                long wall = System.nanoTime() - t0;
                long cpu = CPU.getCurrentThreadCpuTime() - c0;
                if (got.size() != n) {
                    throw new IllegalStateException(
                            "table " + (100 + t) + " dumped " + got.size() + " routes, expected " + n);
                }
                ours.get(t).add(new NetlinkVsIproute2Benchmark.Sample(wall / 1e6, cpu / 1e6, 0));
            }
            for (int t = 0; t < 2; t++) {
                int table = 100 + t;
                List<NetlinkVsIproute2Benchmark.Sample> theirs = new ArrayList<>();
                for (int r = 0; r < Math.max(rounds / 5, 10); r++) {
                    theirs.add(timed("ip", "-n", ns.name, "-j", "route", "show", "table", Integer.toString(table)));
                }
                hk[t] = median(ours.get(t), NetlinkVsIproute2Benchmark.Sample::userMs); // user + system of the thread
                ip[t] = theirs.stream()
                        .mapToDouble(x -> x.userMs() + x.sysMs())
                        .average()
                        .orElse(0);
                System.out.printf(
                        Locale.ROOT,
                        "  table %d (%s): hostkit routes() CPU %.3f ms (%.0f ns/route; wall %.3f ms), "
                                + "ip -j route show CPU %.3f ms (wall %.3f ms), CPU ratio %.3f%n",
                        table,
                        t == 0 ? "single path" : "two next hops",
                        hk[t],
                        hk[t] * 1e6 / n,
                        median(ours.get(t), NetlinkVsIproute2Benchmark.Sample::wallMs),
                        ip[t],
                        median(theirs, NetlinkVsIproute2Benchmark.Sample::wallMs),
                        hk[t] / ip[t]);
            }
            System.out.printf(
                    Locale.ROOT,
                    "multipath/single-path dump CPU: hostkit %.2f, ip %.2f (load average %s)%n",
                    hk[1] / hk[0],
                    ip[1] / ip[0],
                    Files.readString(Path.of("/proc/loadavg")).strip());
        }
    }
}
