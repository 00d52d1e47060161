package dev.hostkit.benchmarks.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.GuardEvent;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The guardian's repair latency: from the moment the parent is created again (the driver load) to the moment the last
 * guarded interface is back with its addresses and routes, for 1, 10 and 100 namespaces, each with one macvlan
 * carrying an IPv4 and an IPv6 address, default routes of both families and an onlink route in table 100. Beside it,
 * what the engine takes to recreate one such container ({@code docker rm -f} + {@code docker run} + the same network
 * setup), when a private Docker Engine is given in {@code DOCKER_HOST}.
 *
 * <p>Run as root: {@code java -cp ... dev.hostkit.benchmarks.guard.GuardRepairBenchmark [rounds]}; with
 * {@code daemon ...} first, the deployed daemon's first repair after idling instead ({@link GuardFirstRepair}).
 */
public final class GuardRepairBenchmark {
    private static final String TAG = TestNames.next("g");
    static final String PARENT = TAG + "p";
    private static final String PEER = TAG + "q";

    private GuardRepairBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("daemon")) {
            GuardFirstRepair.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        List<String> made = new ArrayList<>();
        Thread cleanup = new Thread(() -> cleanup(made), "hkbench-guard-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        System.out.printf(
                Locale.ROOT,
                "kernel %s, %d CPUs, %d rounds per size%n",
                Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(),
                Runtime.getRuntime().availableProcessors(),
                rounds);
        List<String> rows = new ArrayList<>();
        try (RtNetlink host = RtNetlink.open()) {
            loadParent(host);
            made.add("link:" + PARENT);
            for (int n : new int[] {1, 10, 100}) {
                List<Path> namespaces = new ArrayList<>();
                for (int i = namespaces.size(); i < n; i++) {
                    String name = TAG + "n" + i;
                    sh("ip", "netns", "add", name);
                    made.add("netns:" + name);
                    namespaces.add(NetNamespace.NAMED_DIR.resolve(name));
                    giveMacvlan(host, namespaces.get(i), i + 2);
                }
                rows.add(measure(host, namespaces, rounds));
                for (Path p : namespaces) {
                    sh("ip", "netns", "del", p.getFileName().toString());
                    made.remove("netns:" + p.getFileName());
                }
            }
        }
        String recreate = dockerRecreate(Math.max(5, rounds / 3));
        System.out.println();
        System.out.println("| namespaces | repair median (ms) | p90 (ms) | min (ms) | max (ms) | goal |");
        System.out.println("|---:|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.println(recreate);
    }

    // One measured size: warm-up bounces, then `rounds` timed ones.
    private static String measure(RtNetlink host, List<Path> namespaces, int rounds) throws Exception {
        int n = namespaces.size();
        AtomicInteger repaired = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong lastRepairNanos = new AtomicLong();
        Path state = Files.createTempDirectory("hkbench-guard");
        List<Double> samples = new ArrayList<>();
        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(state)
                .parents(Set.of(PARENT))
                .namespaces(NamespaceSource.of(namespaces))
                .resync(Duration.ofMinutes(10))
                .listener(e -> {
                    if (e.type() == GuardEvent.Type.REPAIRED) {
                        lastRepairNanos.set(System.nanoTime());
                        repaired.incrementAndGet();
                    } else if (e.type() == GuardEvent.Type.LOST) {
                        lost.incrementAndGet();
                    } else if (e.type() == GuardEvent.Type.REPAIR_FAILED) {
                        failed.incrementAndGet();
                        System.err.println(e.toJsonLine());
                    }
                })
                .build()) {
            g.reconcileOnce();
            if (g.snapshots().size() != n) {
                throw new IllegalStateException(
                        "expected " + n + " snapshots, got " + g.snapshots().size());
            }
            g.start();
            int warmup = Math.max(5, 30 / n);
            for (int r = 0; r < warmup + rounds; r++) {
                lost.set(0);
                repaired.set(0);
                host.deleteLink(PARENT);
                waitFor(() -> lost.get() >= n, "losses");
                long t0 = System.nanoTime();
                loadParent(host);
                waitFor(() -> repaired.get() >= n, "repairs");
                if (r >= warmup) {
                    samples.add((lastRepairNanos.get() - t0) / 1e6);
                }
                try (NetNamespace ns = NetNamespace.open(namespaces.get(n - 1));
                        RtNetlink in = RtNetlink.open(ns)) {
                    Link l = in.link("eth1").orElseThrow(() -> new IllegalStateException("eth1 missing after repair"));
                    long routes = in.routes().stream()
                            .filter(x -> x.outputIndex() == l.index() && x.protocol() != Route.PROTOCOL_KERNEL)
                            .count();
                    if (routes != 3 || in.addresses(l.index()).size() < 2) {
                        throw new IllegalStateException(
                                "repair incomplete: " + routes + " routes, " + in.addresses(l.index()));
                    }
                }
            }
        } finally {
            try (var files = Files.list(state)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(state);
        }
        samples.sort(null);
        double median = samples.get(samples.size() / 2);
        double p90 = samples.get((int) Math.min(samples.size() - 1, Math.round(samples.size() * 0.9)));
        String goal = n == 1
                ? "<= 5 ms: " + (median <= 5 ? "met" : "missed")
                : n == 100 ? "<= 300 ms: " + (median <= 300 ? "met" : "missed") : "";
        System.out.printf(Locale.ROOT, "n=%d median %.2f ms (failed repairs: %d)%n", n, median, failed.get());
        return String.format(
                Locale.ROOT,
                "| %d | %.2f | %.2f | %.2f | %.2f | %s |",
                n,
                median,
                p90,
                samples.get(0),
                samples.get(samples.size() - 1),
                goal);
    }

    static void loadParent(RtNetlink host) {
        host.createLink(LinkSpec.veth(PARENT, PEER, null).up());
        host.setUp(host.link(PEER).orElseThrow().index(), true);
    }

    // Also used by GuardFootprintBenchmark: the same guarded interface in both.
    static void giveMacvlan(RtNetlink host, Path nsPath, int i) throws Exception {
        try (NetNamespace ns = NetNamespace.open(nsPath)) {
            int parent = host.link(PARENT).orElseThrow().index();
            ns.run(() -> {
                Files.writeString(Path.of("/proc/sys/net/ipv6/conf/all/disable_ipv6"), "0");
                return null;
            });
            Link mv = host.createLink(
                    LinkSpec.macvlan("eth1", parent, MacvlanMode.BRIDGE).up().inNamespace(ns));
            try (RtNetlink in = RtNetlink.open(ns)) {
                String v4 = "10." + (i / 250) + "." + (i % 250) + ".2";
                in.batch()
                        .addAddress(Address.of(mv.index(), v4 + "/8"))
                        .addAddress(Address.of(mv.index(), "fd00:77::" + Integer.toHexString(i) + "/64")
                                .withFlags(AddressFlag.NODAD))
                        .executeOrThrow();
                in.batch()
                        .addRoute(Route.defaultRoute(AddressFamily.INET)
                                .via("10.0.0.1")
                                .dev(mv.index()))
                        .addRoute(Route.defaultRoute(AddressFamily.INET6)
                                .via("fd00:77::1")
                                .dev(mv.index()))
                        .addRoute(Route.to("192.168.77.0/24")
                                .via("10.99.0.1")
                                .dev(mv.index())
                                .onlink()
                                .withTable(100))
                        .executeOrThrow();
            }
        }
    }

    // docker rm -f + docker run of the same busybox container, then the same network setup with ip, until it is done.
    private static String dockerRecreate(int rounds) throws Exception {
        String dockerHost = System.getenv("DOCKER_HOST");
        if (dockerHost == null || !dockerHost.startsWith("unix://") || dockerHost.endsWith("/var/run/docker.sock")) {
            return "recreate: skipped (needs a private engine in DOCKER_HOST=unix://...)";
        }
        String image = System.getenv().getOrDefault("HK_TEST_IMAGE", "hostkit-test/busybox:latest");
        String name = TAG + "c";
        List<Double> samples = new ArrayList<>();
        try {
            sh("docker", "-H", dockerHost, "run", "-d", "--name", name, "--network", "none", image, "sleep", "3600");
            for (int r = 0; r < rounds + 2; r++) {
                long t0 = System.nanoTime();
                sh("docker", "-H", dockerHost, "rm", "-f", name);
                sh(
                        "docker",
                        "-H",
                        dockerHost,
                        "run",
                        "-d",
                        "--name",
                        name,
                        "--network",
                        "none",
                        image,
                        "sleep",
                        "3600");
                String pid = sh("docker", "-H", dockerHost, "inspect", "-f", "{{.State.Pid}}", name)
                        .strip();
                String tmp = TAG + "m";
                sh("ip", "link", "add", tmp, "link", PARENT, "type", "macvlan", "mode", "bridge");
                sh("ip", "link", "set", tmp, "netns", pid);
                String[] in = {"nsenter", "-t", pid, "-n"};
                sh(cat(
                        in,
                        "sh",
                        "-c",
                        "sysctl -qw net.ipv6.conf.all.disable_ipv6=0; ip link set " + tmp + " name eth1 && "
                                + "ip addr add 10.0.0.2/8 dev eth1 && ip -6 addr add fd00:77::2/64 dev eth1 nodad && ip link set eth1 up && "
                                + "ip route add default via 10.0.0.1 && ip -6 route add default via fd00:77::1 && "
                                + "ip route add 192.168.77.0/24 via 10.99.0.1 dev eth1 onlink table 100"));
                if (r >= 2) {
                    samples.add((System.nanoTime() - t0) / 1e6);
                }
            }
        } finally {
            exec("docker", "-H", dockerHost, "rm", "-f", name);
        }
        samples.sort(null);
        return String.format(
                Locale.ROOT,
                "recreate one container (docker rm -f + docker run + network setup): median %.1f ms, min %.1f ms (%d rounds)",
                samples.get(samples.size() / 2),
                samples.get(0),
                samples.size());
    }

    private static String[] cat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private interface Check {
        boolean done();
    }

    private static void waitFor(Check c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!c.done()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            // Sleep, not spin: the guardian's threads need the CPUs; the times come from its own events.
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    private static void cleanup(List<String> made) {
        for (String m : List.copyOf(made)) {
            if (m.startsWith("netns:")) {
                exec("ip", "netns", "del", m.substring(6));
            } else {
                exec("ip", "link", "del", m.substring(5));
            }
        }
    }

    private static String sh(String... cmd) {
        return Sh.run(cmd);
    }

    private static void exec(String... cmd) {
        Sh.exec(cmd); // best effort: cleanup
    }
}
