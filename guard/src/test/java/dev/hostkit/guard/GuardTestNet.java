package dev.hostkit.guard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the guardian ITs do with iproute2: a veth end as the "NIC" parent that can be unloaded (deleted) and loaded
 * (recreated with the same name), macvlans given to namespaces as a CNI plugin would, and the state inside a namespace
 * as {@code ip -j} reports it, reduced to what the guardian promises to restore.
 */
final class GuardTestNet {
    private GuardTestNet() {}

    /** A host-side parent: a veth pair whose first end carries the macvlans. */
    record Parent(String name, String peer) implements AutoCloseable {
        static Parent create() {
            Parent p = new Parent(TestNames.next("par"), TestNames.next("peer"));
            p.load();
            return p;
        }

        /** The driver unload: the kernel deletes every macvlan on it, in every namespace. */
        void unload() {
            Sh.run("ip", "link", "del", name);
        }

        /** The driver load: the same name comes back (with a new index). */
        void load() {
            Sh.run("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
            Sh.run("ip", "link", "set", name, "up");
            Sh.run("ip", "link", "set", peer, "up");
        }

        boolean present() {
            return Sh.exec("ip", "link", "show", name).ok();
        }

        @Override
        public void close() {
            Sh.exec("ip", "link", "del", name);
        }
    }

    /** Runs a command inside the namespace file {@code ns}. */
    static String in(Path ns, String... cmd) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + ns));
        full.addAll(Arrays.asList(cmd));
        return Sh.run(full.toArray(String[]::new));
    }

    /**
     * Gives {@code ns} a macvlan {@code eth1} on {@code parent} with IPv4 and IPv6 addresses, default routes of both
     * families and one onlink route in another table.
     *
     * @param host the host part, 2..250
     */
    static void giveMacvlan(Path ns, String parent, int host, int mtu) {
        String tmp = TestNames.next("mv");
        Sh.run(
                "ip",
                "link",
                "add",
                tmp,
                "link",
                parent,
                "mtu",
                Integer.toString(mtu),
                "type",
                "macvlan",
                "mode",
                "bridge");
        moveInto(tmp, ns);
        in(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0");
        in(ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=0");
        in(ns, "ip", "link", "set", tmp, "name", "eth1");
        in(ns, "ip", "addr", "add", "10.77.0." + host + "/24", "dev", "eth1");
        in(ns, "ip", "-6", "addr", "add", "fd00:77::" + Integer.toHexString(host) + "/64", "dev", "eth1", "nodad");
        in(ns, "ip", "link", "set", "eth1", "up");
        in(ns, "ip", "route", "add", "default", "via", "10.77.0.1");
        in(ns, "ip", "-6", "route", "add", "default", "via", "fd00:77::1");
        in(ns, "ip", "route", "add", "192.168.77.0/24", "via", "10.99.0.1", "dev", "eth1", "onlink", "table", "100");
    }

    // Moves host link tmp into the namespace file ns (a pid's namespace or a named one); deletes it when that fails.
    private static void moveInto(String tmp, Path ns) {
        try {
            Sh.run(
                    "ip",
                    "link",
                    "set",
                    tmp,
                    "netns",
                    ns.toString().startsWith("/proc/")
                            ? ns.getName(1).toString()
                            : ns.getFileName().toString());
        } catch (RuntimeException e) {
            Sh.exec("ip", "link", "del", tmp);
            throw e;
        }
    }

    /** Gives {@code ns} a second macvlan {@code eth2} (MTU 1300) with one address of each family and a static route. */
    static void giveSecondMacvlan(Path ns, String parent, int host) {
        String tmp = TestNames.next("mv");
        Sh.run("ip", "link", "add", tmp, "link", parent, "mtu", "1300", "type", "macvlan", "mode", "private");
        moveInto(tmp, ns);
        in(ns, "ip", "link", "set", tmp, "name", "eth2");
        in(ns, "ip", "addr", "add", "10.78.0." + host + "/24", "dev", "eth2");
        in(ns, "ip", "-6", "addr", "add", "fd00:78::" + Integer.toHexString(host) + "/64", "dev", "eth2", "nodad");
        in(ns, "ip", "link", "set", "eth2", "up");
        in(ns, "ip", "route", "add", "172.16.0.0/16", "via", "10.78.0.1", "metric", "50");
    }

    /** Waits (up to 5 s) until duplicate address detection has finished for every address in {@code ns}. */
    static void awaitDad(Path... namespaces) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (Path ns : namespaces) {
            while (!in(ns, "ip", "-6", "addr", "show", "tentative").isBlank()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("addresses in " + ns + " still tentative after 5 s");
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * {@code eth1} in {@code ns} as {@code ip -j} shows it, reduced to MAC, MTU, mode, up, addresses and routes, sorted,
     * without what changes by itself (indexes, lifetimes, DAD state).
     */
    static String state(Path ns, String dev) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<?, ?> link = (Map<?, ?>) ((List<?>) parse(in(ns, "ip", "-j", "-d", "link", "show", dev))).get(0);
        out.put("address", link.get("address"));
        out.put("mtu", link.get("mtu"));
        out.put("mode", ((Map<?, ?>) ((Map<?, ?>) link.get("linkinfo")).get("info_data")).get("mode"));
        out.put("up", ((List<?>) link.get("flags")).contains("UP"));
        List<String> addrs = new ArrayList<>();
        Map<?, ?> a = (Map<?, ?>) ((List<?>) parse(in(ns, "ip", "-j", "addr", "show", "dev", dev))).get(0);
        for (Object o : (List<?>) a.get("addr_info")) {
            Map<String, Object> m = new TreeMap<>();
            ((Map<?, ?>) o).forEach((k, v) -> m.put((String) k, v));
            m.keySet()
                    .removeAll(List.of(
                            "valid_life_time", "preferred_life_time", "nodad", "tentative", "dadfailed", "optimistic"));
            addrs.add(write(m));
        }
        addrs.sort(null);
        out.put("addresses", addrs);
        List<String> routes = new ArrayList<>();
        for (Object o : (List<?>) parse(in(ns, "ip", "-j", "route", "show", "table", "all", "dev", dev))) {
            Map<String, Object> m = new TreeMap<>();
            ((Map<?, ?>) o).forEach((k, v) -> m.put((String) k, v));
            m.remove("flags"); // "linkdown" while the parent's carrier settles
            routes.add(write(m));
        }
        routes.sort(null);
        out.put("routes", routes);
        return write(out);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Object parse(String text) {
        try {
            return JSON.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError("ip printed JSON Jackson cannot read: " + text, e);
        }
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
