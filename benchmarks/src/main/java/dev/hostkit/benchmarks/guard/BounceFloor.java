package dev.hostkit.benchmarks.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.NeighborAnnouncer;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.Sh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor under a 100-interface parent bounce, without the guardian: the same macvlans as
 * {@link GuardRepairBenchmark#giveMacvlan} (bridge mode on a veth parent, one per namespace, same MAC, 2 addresses, up,
 * 3 routes) recreated after the parent is deleted and added again, by this process alone with the netlink library the
 * guardian uses and one kept rtnetlink session per namespace (as the guardian keeps them): per link one
 * RTM_NEWLINK from the parent's namespace straight into the namespace (MAC, up), then one batch of 2 addresses and 3
 * routes in the namespace. No state files, events, watchers, temporary names. Measures, per bounce, the wall time from
 * the parent's return until the last link has its routes, and this process's user and system CPU
 * ({@code /proc/self/stat}, 10 ms ticks: summed over the bounces) from the parent's return until every announcement
 * round is sent. Ways, alternating bounce by bounce:
 *
 * <ul>
 *   <li>{@code plain}: recreation only;
 *   <li>{@code inline}: each link's first announcement round (gratuitous ARP + unsolicited NA per address, as the
 *       guardian's {@code Announcer}) right after its recreation, rounds 2-3 100 ms apart (the guardian until now);
 *   <li>{@code after}: every first round after the last recreation, then rounds 2-3 100 ms apart.
 * </ul>
 *
 * <p>Run (root): {@code java -cp ... dev.hostkit.benchmarks.guard.BounceFloor [N=100] [BOUNCES=10] [THREADS=1]}.
 * Everything is named with the run's {@code hk} tag and removed on exit.
 */
public final class BounceFloor {
    private static final long CLK_TCK = 100;

    private BounceFloor() {}

    private record Slot(Path path, NetNamespace ns, RtNetlink nl, MacAddress mac, int i) {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int bounces = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        String home = GuardRepairBenchmark.PARENT + "fh";
        List<String> made = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cleanup(made), "hkbench-floor-cleanup"));
        Sh.run("ip", "netns", "add", home);
        made.add(home);
        List<Slot> slots = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (NetNamespace homeNs = NetNamespace.open(NetNamespace.NAMED_DIR.resolve(home));
                RtNetlink host = RtNetlink.open(homeNs)) {
            GuardRepairBenchmark.loadParent(host);
            for (int i = 0; i < n; i++) {
                String name = GuardRepairBenchmark.PARENT + "fl" + i;
                Sh.run("ip", "netns", "add", name);
                made.add(name);
                Path p = NetNamespace.NAMED_DIR.resolve(name);
                GuardRepairBenchmark.giveMacvlan(host, p, i + 2);
                NetNamespace ns = NetNamespace.open(p);
                RtNetlink nl = RtNetlink.open(ns);
                slots.add(new Slot(p, ns, nl, nl.link("eth1").orElseThrow().mac(), i + 2));
            }
            System.out.printf(
                    Locale.ROOT,
                    "kernel %s, %d CPUs, %d macvlans, %d bounces per way, %d thread(s), load %s%n",
                    Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                    Runtime.getRuntime().availableProcessors(),
                    n,
                    bounces,
                    threads,
                    load());
            String[] ways = {"plain", "inline", "after"};
            List<List<double[]>> results = new ArrayList<>();
            for (String w : ways) {
                results.add(new ArrayList<>());
            }
            for (int b = -1; b < bounces; b++) { // bounce -1 of each way: warm-up, not counted
                for (int w = 0; w < ways.length; w++) {
                    double[] r = bounce(host, slots, ways[w], pool);
                    if (b >= 0) {
                        results.get(w).add(r);
                    }
                }
            }
            System.out.println(
                    "| way | recreated, median (ms) | min-max (ms) | first rounds sent, median (ms) | CPU per bounce incl. all rounds (ms) | user / system (ms) | kernel share |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|");
            for (int w = 0; w < ways.length; w++) {
                List<double[]> rs = results.get(w);
                double[] wall = rs.stream().mapToDouble(r -> r[0]).sorted().toArray();
                double[] first = rs.stream().mapToDouble(r -> r[1]).sorted().toArray();
                double user = rs.stream().mapToDouble(r -> r[2]).sum() / rs.size();
                double sys = rs.stream().mapToDouble(r -> r[3]).sum() / rs.size();
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1f | %.1f-%.1f | %s | %.0f | %.0f / %.0f | %.0f%% |%n",
                        ways[w],
                        wall[wall.length / 2],
                        wall[0],
                        wall[wall.length - 1],
                        w == 0 ? "" : String.format(Locale.ROOT, "%.1f", first[first.length / 2]),
                        user + sys,
                        user,
                        sys,
                        100 * sys / Math.max(1, user + sys));
            }
            System.out.println("load " + load());
        } finally {
            pool.shutdownNow();
            for (Slot s : slots) {
                s.nl.close();
                s.ns.close();
            }
            cleanup(made);
            made.clear();
        }
    }

    // {recreated ms, first rounds sent ms, user ms, system ms}
    private static double[] bounce(RtNetlink host, List<Slot> slots, String way, ExecutorService pool)
            throws Exception {
        host.deleteLink(GuardRepairBenchmark.PARENT);
        for (Slot s : slots) { // the kernel deleted each macvlan with its parent
            while (s.nl.link("eth1").isPresent()) {
                Thread.sleep(1);
            }
        }
        long[] c0 = cpu();
        long t0 = System.nanoTime();
        GuardRepairBenchmark.loadParent(host);
        int parent = host.link(GuardRepairBenchmark.PARENT).orElseThrow().index();
        List<NeighborAnnouncer> open = new ArrayList<>();
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        int threads = ((java.util.concurrent.ThreadPoolExecutor) pool).getCorePoolSize();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                for (int k; (k = next.getAndIncrement()) < slots.size(); ) {
                    Slot s = slots.get(k);
                    Link mv = host.createLink(LinkSpec.macvlan("eth1", parent, MacvlanMode.BRIDGE)
                            .withMac(s.mac)
                            .up()
                            .inNamespace(s.ns));
                    List<Address> addrs = addresses(s.i, mv.index());
                    var batch = s.nl.batch();
                    addrs.forEach(batch::addAddress);
                    routes(mv.index()).forEach(batch::addRoute);
                    batch.executeOrThrow();
                    if (!way.equals("plain")) {
                        NeighborAnnouncer a = NeighborAnnouncer.open(s.ns, mv, addrs);
                        if (way.equals("inline")) {
                            a.sendRound();
                        }
                        synchronized (open) {
                            open.add(a);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        double recreated = (System.nanoTime() - t0) / 1e6;
        double first = recreated;
        if (!way.equals("plain")) {
            if (way.equals("after")) {
                for (NeighborAnnouncer a : open) {
                    a.sendRound();
                }
                first = (System.nanoTime() - t0) / 1e6;
            }
            for (int round = 2; round <= Announcement.DEFAULT.count(); round++) {
                Thread.sleep(Announcement.DEFAULT.spacing().toMillis());
                for (NeighborAnnouncer a : open) {
                    a.sendRound();
                }
            }
            open.forEach(NeighborAnnouncer::close);
        }
        long[] c1 = cpu();
        return new double[] {recreated, first, (c1[0] - c0[0]) * 1000.0 / CLK_TCK, (c1[1] - c0[1]) * 1000.0 / CLK_TCK};
    }

    private static List<Address> addresses(int i, int index) {
        String v4 = "10." + (i / 250) + "." + (i % 250) + ".2";
        return List.of(
                Address.of(index, v4 + "/8"),
                Address.of(index, "fd00:77::" + Integer.toHexString(i) + "/64").withFlags(AddressFlag.NODAD));
    }

    private static List<Route> routes(int index) {
        return List.of(
                Route.defaultRoute(AddressFamily.INET).via("10.0.0.1").dev(index),
                Route.defaultRoute(AddressFamily.INET6).via("fd00:77::1").dev(index),
                Route.to("192.168.77.0/24").via("10.99.0.1").dev(index).onlink().withTable(100));
    }

    // utime, stime of this process in clock ticks
    private static long[] cpu() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    private static String load() throws Exception {
        return String.join(
                " ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
    }

    private static void cleanup(List<String> made) {
        for (String m : new ArrayList<>(made)) {
            Sh.exec("ip", "netns", "del", m);
        }
    }
}
