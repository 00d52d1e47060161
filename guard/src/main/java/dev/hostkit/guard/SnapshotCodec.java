package dev.hostkit.guard;

import dev.hostkit.guard.StateFileJson.Addr;
import dev.hostkit.guard.StateFileJson.ExistingParent;
import dev.hostkit.guard.StateFileJson.Hop;
import dev.hostkit.guard.StateFileJson.Interface;
import dev.hostkit.guard.StateFileJson.Namespace;
import dev.hostkit.guard.StateFileJson.RouteEntry;
import dev.hostkit.guard.StateFileJson.StateFile;
import dev.hostkit.guard.StateFileJson.VlanParent;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.Cidr;
import dev.hostkit.netlink.IpvlanFlag;
import dev.hostkit.netlink.IpvlanMode;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.LinkNames;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.NextHop;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.Scope;
import dev.hostkit.netlink.VlanProtocol;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a namespace's snapshots into a state file's text and back. Reading refuses a file whose shape or namespace is
 * wrong ({@link BadStateException}), and refuses, one by one, interfaces the guardian must not act on: a MAC that is not
 * unicast, a name the kernel refuses, an MTU out of range, a name used twice, each with the field named.
 */
final class SnapshotCodec {
    static final int VERSION = 1;
    /** {@code ETH_MIN_MTU} and {@code IP_MAX_MTU}: the MTU range the kernel lets a macvlan have. */
    static final int ETH_MIN_MTU = 68;

    static final int IP_MAX_MTU = 65535;
    private static final long MAX_U32 = 0xffff_ffffL;

    private SnapshotCodec() {}

    /** A namespace's snapshots as they sit in one file. */
    record NamespaceState(NamespaceRef namespace, List<InterfaceSnapshot> interfaces) {
        NamespaceState {
            interfaces = List.copyOf(interfaces);
            for (InterfaceSnapshot s : interfaces) {
                if (!s.namespace().equals(namespace)) {
                    throw new IllegalArgumentException(
                            "interface " + s.name() + " belongs to " + s.namespace() + ", not " + namespace);
                }
            }
        }
    }

    /**
     * A file read: the namespace with the interfaces that passed, and one reason per interface refused.
     *
     * @param state the namespace and its usable snapshots (possibly none)
     * @param refused why each refused interface was refused, naming its field ({@code interfaces[1].mac: ...})
     */
    record Decoded(NamespaceState state, List<String> refused) {
        Decoded {
            refused = List.copyOf(refused);
        }
    }

    /** The content of a state file that does not follow the schema. */
    static final class BadStateException extends Exception {
        private static final long serialVersionUID = 1L;

        BadStateException(String message, Throwable cause) {
            super(printable(message), cause);
        }
    }

    static String encode(NamespaceState state) {
        NamespaceRef ns = state.namespace();
        List<Interface> ifs = new ArrayList<>();
        for (InterfaceSnapshot s : state.interfaces()) {
            List<Addr> addrs = new ArrayList<>();
            for (Address a : s.addresses()) {
                addrs.add(new Addr(
                        a.address().getHostAddress(),
                        a.prefixLength(),
                        text(a.peer()),
                        text(a.broadcast()),
                        a.scope().value(),
                        Integer.toUnsignedLong(a.flags()),
                        a.label()));
            }
            List<RouteEntry> routes = new ArrayList<>();
            for (Route r : s.routes()) {
                List<Hop> hops = null;
                if (r.isMultipath()) {
                    hops = new ArrayList<>();
                    for (NextHop h : r.nextHops()) {
                        String device = h.outputIndex() == s.ifindex()
                                ? s.name()
                                : s.hopLinks().get(h.outputIndex());
                        hops.add(new Hop(
                                text(h.gateway()),
                                h.outputIndex(),
                                device,
                                h.weight(),
                                Integer.toUnsignedLong(h.flags())));
                    }
                }
                routes.add(new RouteEntry(
                        r.family() == AddressFamily.INET6 ? "inet6" : "inet",
                        text(r.destination()),
                        r.destinationPrefix(),
                        text(r.gateway()),
                        r.table(),
                        r.priority(),
                        r.scope().value(),
                        r.protocol(),
                        r.type(),
                        r.flags(),
                        text(r.preferredSource()),
                        hops,
                        r.nexthopId() == 0 ? null : Integer.toUnsignedLong(r.nexthopId())));
            }
            StateFileJson.Parent parent = s.parent() instanceof HostParent.Vlan v
                    ? new VlanParent(v.name(), v.lower(), v.id(), protocolName(v.protocol()), s.parentIndex())
                    : new ExistingParent(s.parent().name(), s.parentIndex());
            LinkKind.Ipvlan ipvlan = s.kind() instanceof LinkKind.Ipvlan i ? i : null;
            ifs.add(new Interface(
                    s.name(),
                    s.ifindex(),
                    s.mac().toString(),
                    s.mtu(),
                    ipvlan != null ? ipvlan.mode().ipName() : s.mode().ipName(),
                    s.up(),
                    parent,
                    s.takenAtMillis(),
                    addrs,
                    routes,
                    ipvlan != null ? "ipvlan" : null,
                    ipvlan != null ? ipvlan.flag().ipName() : null));
        }
        return StateFileJson.write(new StateFile(
                VERSION,
                new Namespace(
                        ns.device(),
                        ns.inode(),
                        ns.cookie(),
                        ns.pid(),
                        ns.path().toString()),
                ifs));
    }

    /**
     * Reads a file's text.
     *
     * @throws BadStateException when the text is not a version-1 state file or its namespace is invalid; the message
     *                           names the field
     */
    static Decoded decode(String text) throws BadStateException {
        StateFile file = StateFileJson.read(text);
        NamespaceRef ns = namespace(required(file.namespace(), "namespace"));
        List<Interface> entries = required(file.interfaces(), "interfaces");
        List<String> refused = new ArrayList<>();
        Map<String, List<Integer>> positionsByName = new LinkedHashMap<>();
        Map<Integer, InterfaceSnapshot> good = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String at = "interfaces[" + i + "]";
            try {
                InterfaceSnapshot s = snapshot(ns, required(entries.get(i), at), at);
                good.put(i, s);
                positionsByName
                        .computeIfAbsent(s.name(), k -> new ArrayList<>())
                        .add(i);
            } catch (BadStateException e) {
                refused.add(e.getMessage());
            }
        }
        // Two entries for one name: which one was real is unknown, so neither is acted on.
        for (Map.Entry<String, List<Integer>> e : positionsByName.entrySet()) {
            if (e.getValue().size() > 1) {
                for (int i : e.getValue()) {
                    good.remove(i);
                    refused.add("field \"interfaces[" + i + "].name\": '" + printable(e.getKey()) + "' is used by "
                            + e.getValue().size() + " interfaces in one namespace (entries " + e.getValue()
                            + "); none of them is acted on");
                }
            }
        }
        return new Decoded(new NamespaceState(ns, List.copyOf(good.values())), refused);
    }

    private static NamespaceRef namespace(Namespace n) throws BadStateException {
        long device = range(n.device(), 0, Long.MAX_VALUE, "namespace.device");
        long inode = range(n.inode(), 1, Long.MAX_VALUE, "namespace.inode");
        long cookie = range(n.cookie(), 0, Long.MAX_VALUE, "namespace.cookie");
        int pid = (int) range(n.pid(), 0, Integer.MAX_VALUE, "namespace.pid");
        String path = required(n.path(), "namespace.path");
        return new NamespaceRef(device, inode, cookie, pid, value("namespace.path", () -> Path.of(path)));
    }

    private static InterfaceSnapshot snapshot(NamespaceRef ns, Interface i, String at) throws BadStateException {
        String name = required(i.name(), at + ".name");
        value(at + ".name", () -> LinkNames.check(name));
        MacAddress mac = value(at + ".mac", () -> MacAddress.parse(required(i.mac(), at + ".mac")));
        if (mac.isMulticast() || mac.isZero()) {
            String what =
                    mac.isZero() ? "all zeros" : mac.isBroadcast() ? "the broadcast address" : "a multicast address";
            throw new BadStateException(
                    "field \"" + at + ".mac\": " + mac + " is " + what + "; a macvlan needs a unicast MAC", null);
        }
        int mtu = (int) range(i.mtu(), ETH_MIN_MTU, IP_MAX_MTU, at + ".mtu");
        LinkKind kind = kind(i, at);
        StateFileJson.Parent p = required(i.parent(), at + ".parent");
        HostParent parent = parent(p, at + ".parent");
        int parentIndex = (int) range(p.index(), 0, Integer.MAX_VALUE, at + ".parent.index");
        int ifindex = (int) range(i.ifindex(), 0, Integer.MAX_VALUE, at + ".ifindex");
        long taken = range(i.taken(), 0, Long.MAX_VALUE, at + ".taken");
        List<Address> addrs = new ArrayList<>();
        List<Addr> addrEntries = required(i.addresses(), at + ".addresses");
        for (int k = 0; k < addrEntries.size(); k++) {
            String ak = at + ".addresses[" + k + "]";
            Addr a = required(addrEntries.get(k), ak);
            InetAddress address = ip(a.address(), false, ak + ".address");
            int prefix = (int) range(a.prefix(), 0, 128, ak + ".prefix");
            InetAddress peer = ip(a.peer(), true, ak + ".peer");
            InetAddress broadcast = ip(a.broadcast(), true, ak + ".broadcast");
            Scope scope = value(ak + ".scope", () -> Scope.of((int) range(a.scope(), 0, 255, ak + ".scope")));
            int flags = (int) range(a.flags(), 0, MAX_U32, ak + ".flags");
            addrs.add(value(ak, () -> new Address(ifindex, address, prefix, peer, broadcast, scope, flags, a.label())));
        }
        List<Route> routes = new ArrayList<>();
        Map<Integer, String> hopLinks = new LinkedHashMap<>();
        List<RouteEntry> routeEntries = required(i.routes(), at + ".routes");
        for (int k = 0; k < routeEntries.size(); k++) {
            String rk = at + ".routes[" + k + "]";
            RouteEntry r = required(routeEntries.get(k), rk);
            String family = required(r.family(), rk + ".family");
            if (!family.equals("inet") && !family.equals("inet6")) {
                throw new BadStateException(
                        "field \"" + rk + ".family\": must be inet or inet6, was '" + family + "'", null);
            }
            InetAddress dst = ip(r.destination(), true, rk + ".destination");
            int prefix = (int) range(r.prefix(), 0, 128, rk + ".prefix");
            InetAddress gw = ip(r.gateway(), true, rk + ".gateway");
            int table = (int) range(r.table(), 0, Integer.MAX_VALUE, rk + ".table");
            Scope scope = value(rk + ".scope", () -> Scope.of((int) range(r.scope(), 0, 255, rk + ".scope")));
            int protocol = (int) range(r.protocol(), 0, 255, rk + ".protocol");
            int type = (int) range(r.type(), 0, 255, rk + ".type");
            int flags = (int) range(r.flags(), 0, Integer.MAX_VALUE, rk + ".flags");
            InetAddress prefsrc = ip(r.prefsrc(), true, rk + ".prefsrc");
            int nexthopId =
                    r.nexthopId() == null ? 0 : (int) range(r.nexthopId(), 0, Integer.MAX_VALUE, rk + ".nexthopId");
            AddressFamily af = family.equals("inet6") ? AddressFamily.INET6 : AddressFamily.INET;
            if (r.nexthops() == null) {
                routes.add(value(
                        rk,
                        () -> new Route(
                                af,
                                dst,
                                prefix,
                                gw,
                                ifindex,
                                table,
                                r.priority(),
                                scope,
                                protocol,
                                type,
                                flags,
                                prefsrc,
                                List.of(),
                                nexthopId)));
                continue;
            }
            List<NextHop> hops = new ArrayList<>();
            for (int h = 0; h < r.nexthops().size(); h++) {
                String hk = rk + ".nexthops[" + h + "]";
                Hop hop = required(r.nexthops().get(h), hk);
                InetAddress hopGw = ip(hop.gateway(), true, hk + ".gateway");
                int hopIndex = (int) range(hop.index(), 0, Integer.MAX_VALUE, hk + ".index");
                int weight = (int) range(hop.weight(), NextHop.MIN_WEIGHT, NextHop.MAX_WEIGHT, hk + ".weight");
                int hopFlags = (int) range(hop.flags(), 0, Integer.MAX_VALUE, hk + ".flags");
                if (hop.device() != null && hopIndex != ifindex) {
                    value(hk + ".device", () -> LinkNames.check(hop.device()));
                    hopLinks.put(hopIndex, hop.device());
                }
                hops.add(value(hk, () -> new NextHop(hopGw, hopIndex, weight, hopFlags)));
            }
            if (hops.isEmpty()) {
                throw new BadStateException(
                        "field \"" + rk + ".nexthops\": a multipath route needs at least one next hop", null);
            }
            routes.add(value(
                    rk,
                    () -> new Route(
                            af,
                            dst,
                            prefix,
                            gw,
                            0,
                            table,
                            r.priority(),
                            scope,
                            protocol,
                            type,
                            flags,
                            prefsrc,
                            hops,
                            nexthopId)));
        }
        return value(
                at,
                () -> new InterfaceSnapshot(
                        ns,
                        ifindex,
                        name,
                        mac,
                        mtu,
                        kind,
                        i.up(),
                        parent,
                        parentIndex,
                        addrs,
                        routes,
                        taken,
                        hopLinks));
    }

    private static HostParent parent(StateFileJson.Parent p, String at) throws BadStateException {
        if (p instanceof VlanParent v) {
            String protocol = required(v.protocol(), at + ".protocol");
            VlanProtocol proto = switch (protocol) {
                case "802.1Q" -> VlanProtocol.IEEE_802_1Q;
                case "802.1ad" -> VlanProtocol.IEEE_802_1AD;
                default ->
                    throw new BadStateException(
                            "field \"" + at + ".protocol\": unknown VLAN protocol '" + protocol + "'", null);
            };
            int id = (int) range(v.id(), 1, 4094, at + ".id");
            String name = required(v.name(), at + ".name");
            String lower = required(v.lower(), at + ".lower");
            value(at + ".name", () -> LinkNames.check(name));
            value(at + ".lower", () -> LinkNames.check(lower));
            return new HostParent.Vlan(name, lower, id, proto);
        }
        String name = required(((ExistingParent) p).name(), at + ".name");
        return value(at + ".name", () -> new HostParent.Existing(name));
    }

    private static String protocolName(VlanProtocol p) {
        return p == VlanProtocol.IEEE_802_1AD ? "802.1ad" : "802.1Q";
    }

    /** {@code kind} absent or macvlan: a macvlan mode, no flag; ipvlan: an ipvlan mode and flag. */
    private static LinkKind kind(Interface i, String at) throws BadStateException {
        String mode = required(i.mode(), at + ".mode");
        if (i.kind() == null || i.kind().equals("macvlan")) {
            if (i.flag() != null) {
                throw new BadStateException("field \"" + at + ".flag\": a macvlan has no flag", null);
            }
            return new LinkKind.Macvlan(mode(mode, at + ".mode"));
        }
        if (!i.kind().equals("ipvlan")) {
            throw new BadStateException(
                    "field \"" + at + ".kind\": must be macvlan or ipvlan, was '" + printable(i.kind()) + "'", null);
        }
        String flag = required(i.flag(), at + ".flag");
        IpvlanMode m = null;
        for (IpvlanMode c : IpvlanMode.values()) {
            m = c.ipName().equals(mode) ? c : m;
        }
        if (m == null) {
            throw new BadStateException(
                    "field \"" + at + ".mode\": not an ipvlan mode: '" + printable(mode) + "'", null);
        }
        IpvlanFlag f = null;
        for (IpvlanFlag c : IpvlanFlag.values()) {
            f = c.ipName().equals(flag) ? c : f;
        }
        if (f == null) {
            throw new BadStateException(
                    "field \"" + at + ".flag\": not an ipvlan flag: '" + printable(flag) + "'", null);
        }
        return new LinkKind.Ipvlan(m, f);
    }

    private static MacvlanMode mode(String name, String at) throws BadStateException {
        for (MacvlanMode m : MacvlanMode.values()) {
            if (m.ipName().equals(name)) {
                return m;
            }
        }
        throw new BadStateException("field \"" + at + "\": not a macvlan mode: '" + name + "'", null);
    }

    private static InetAddress ip(String text, boolean nullable, String at) throws BadStateException {
        if (text == null) {
            if (nullable) {
                return null;
            }
            throw new BadStateException("field \"" + at + "\": missing or null", null);
        }
        return value(at, () -> Cidr.address(text));
    }

    /** A message quoting file content, on one line and safe for a terminal: control characters escaped. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    private static String text(InetAddress a) {
        return a == null ? null : a.getHostAddress();
    }

    private static <T> T required(T v, String at) throws BadStateException {
        if (v == null) {
            throw new BadStateException("field \"" + at + "\": missing or null", null);
        }
        return v;
    }

    private static long range(long v, long min, long max, String at) throws BadStateException {
        if (v < min || v > max) {
            throw new BadStateException("field \"" + at + "\": " + v + " is out of range " + min + ".." + max, null);
        }
        return v;
    }

    /** A value built by a constructor that validates: its refusal named with the field. */
    private interface Build<T> {
        T get() throws BadStateException;
    }

    private static <T> T value(String at, Build<T> build) throws BadStateException {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new BadStateException("field \"" + at + "\": " + e.getMessage(), e);
        }
    }
}
