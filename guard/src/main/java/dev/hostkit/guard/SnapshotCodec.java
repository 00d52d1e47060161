package dev.hostkit.guard;

import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.Cidr;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.Scope;
import dev.hostkit.netlink.VlanProtocol;
import dev.hostkit.guard.internal.Json;
import dev.hostkit.guard.internal.Json.JsonException;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state file schema (version 1): one namespace and its guarded interfaces. Reading is strict: a missing or
 * mistyped field, an unknown version or an out-of-range value is a {@link BadStateException} naming the field.
 */
final class SnapshotCodec {
    static final int VERSION = 1;

    private SnapshotCodec() {
    }

    /** A namespace's snapshots as they sit in one file. */
    record NamespaceState(NamespaceRef namespace, List<InterfaceSnapshot> interfaces) {
        NamespaceState {
            interfaces = List.copyOf(interfaces);
            for (InterfaceSnapshot s : interfaces) {
                if (!s.namespace().equals(namespace)) {
                    throw new IllegalArgumentException("interface " + s.name() + " belongs to " + s.namespace() + ", not " + namespace);
                }
            }
        }
    }

    /** The content of a state file that does not follow the schema. */
    static final class BadStateException extends Exception {
        private static final long serialVersionUID = 1L;

        BadStateException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static String encode(NamespaceState state) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", VERSION);
        NamespaceRef ns = state.namespace();
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("device", ns.device());
        n.put("inode", ns.inode());
        n.put("cookie", ns.cookie());
        n.put("pid", ns.pid());
        n.put("path", ns.path().toString());
        root.put("namespace", n);
        List<Object> ifs = new ArrayList<>();
        for (InterfaceSnapshot s : state.interfaces()) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("name", s.name());
            i.put("ifindex", s.ifindex());
            i.put("mac", s.mac().toString());
            i.put("mtu", s.mtu());
            i.put("mode", s.mode().ipName());
            i.put("up", s.up());
            Map<String, Object> parent = new LinkedHashMap<>();
            if (s.parent() instanceof HostParent.Vlan v) {
                parent.put("kind", "vlan");
                parent.put("name", v.name());
                parent.put("lower", v.lower());
                parent.put("id", v.id());
                parent.put("protocol", v.protocol() == VlanProtocol.IEEE_802_1AD ? "802.1ad" : "802.1Q");
            } else {
                parent.put("kind", "existing");
                parent.put("name", s.parent().name());
            }
            parent.put("index", s.parentIndex());
            i.put("parent", parent);
            i.put("taken", s.takenAtMillis());
            List<Object> addrs = new ArrayList<>();
            for (Address a : s.addresses()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("address", a.address().getHostAddress());
                m.put("prefix", a.prefixLength());
                m.put("peer", text(a.peer()));
                m.put("broadcast", text(a.broadcast()));
                m.put("scope", a.scope().value());
                m.put("flags", a.flags());
                m.put("label", a.label());
                addrs.add(m);
            }
            i.put("addresses", addrs);
            List<Object> routes = new ArrayList<>();
            for (Route r : s.routes()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("family", r.family().ipName());
                m.put("destination", text(r.destination()));
                m.put("prefix", r.destinationPrefix());
                m.put("gateway", text(r.gateway()));
                m.put("table", r.table());
                m.put("priority", r.priority());
                m.put("scope", r.scope().value());
                m.put("protocol", r.protocol());
                m.put("type", r.type());
                m.put("flags", r.flags());
                m.put("prefsrc", text(r.preferredSource()));
                routes.add(m);
            }
            i.put("routes", routes);
            ifs.add(i);
        }
        root.put("interfaces", ifs);
        return Json.write(root) + "\n";
    }

    static NamespaceState decode(String text) throws BadStateException {
        try {
            Map<String, Object> root = object(Json.parse(text), "document");
            long version = number(root, "version", 1, Integer.MAX_VALUE);
            if (version != VERSION) {
                throw new BadStateException("unsupported state version " + version + " (this guardian reads " + VERSION + ")", null);
            }
            Map<String, Object> n = object(root.get("namespace"), "namespace");
            NamespaceRef ns = new NamespaceRef(number(n, "device", 0, Long.MAX_VALUE), number(n, "inode", 1, Long.MAX_VALUE),
                    number(n, "cookie", 0, Long.MAX_VALUE), (int) number(n, "pid", 0, Integer.MAX_VALUE),
                    Path.of(string(n, "path", false)));
            List<InterfaceSnapshot> out = new ArrayList<>();
            for (Object o : list(root, "interfaces")) {
                Map<String, Object> i = object(o, "interface");
                Map<String, Object> p = object(i.get("parent"), "parent");
                HostParent parent = parent(p);
                int parentIndex = (int) number(p, "index", 0, Integer.MAX_VALUE);
                int ifindex = (int) number(i, "ifindex", 0, Integer.MAX_VALUE);
                List<Address> addrs = new ArrayList<>();
                for (Object ao : list(i, "addresses")) {
                    Map<String, Object> a = object(ao, "address");
                    addrs.add(new Address(ifindex, ip(a, "address", false), (int) number(a, "prefix", 0, 128), ip(a, "peer", true),
                            ip(a, "broadcast", true), Scope.of((int) number(a, "scope", 0, 255)), (int) number(a, "flags", 0, 0xffffffffL),
                            string(a, "label", true)));
                }
                List<Route> routes = new ArrayList<>();
                for (Object ro : list(i, "routes")) {
                    Map<String, Object> r = object(ro, "route");
                    String family = string(r, "family", false);
                    if (!family.equals("inet") && !family.equals("inet6")) {
                        throw new BadStateException("route family must be inet or inet6, was '" + family + "'", null);
                    }
                    routes.add(new Route(family.equals("inet6") ? AddressFamily.INET6 : AddressFamily.INET, ip(r, "destination", true),
                            (int) number(r, "prefix", 0, 128), ip(r, "gateway", true), ifindex, (int) number(r, "table", 0, Integer.MAX_VALUE),
                            (int) number(r, "priority", Integer.MIN_VALUE, Integer.MAX_VALUE), Scope.of((int) number(r, "scope", 0, 255)),
                            (int) number(r, "protocol", 0, 255), (int) number(r, "type", 0, 255), (int) number(r, "flags", 0, Integer.MAX_VALUE),
                            ip(r, "prefsrc", true)));
                }
                out.add(new InterfaceSnapshot(ns, ifindex, string(i, "name", false),
                        MacAddress.parse(string(i, "mac", false)), (int) number(i, "mtu", 0, 65535), mode(string(i, "mode", false)), bool(i, "up"),
                        parent, parentIndex, addrs, routes, number(i, "taken", 0, Long.MAX_VALUE)));
            }
            return new NamespaceState(ns, out);
        } catch (JsonException e) {
            throw new BadStateException("not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new BadStateException("invalid value: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o, String what) throws BadStateException {
        if (!(o instanceof Map)) {
            throw new BadStateException(what + " must be a JSON object", null);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String key) throws BadStateException {
        Object o = m.get(key);
        if (!(o instanceof List)) {
            throw new BadStateException("field \"" + key + "\" must be an array", null);
        }
        return (List<Object>) o;
    }

    private static HostParent parent(Map<String, Object> p) throws BadStateException {
        String kind = string(p, "kind", false);
        try {
            return switch (kind) {
                case "existing" -> new HostParent.Existing(string(p, "name", false));
                case "vlan" -> {
                    String protocol = string(p, "protocol", false);
                    VlanProtocol proto = switch (protocol) {
                        case "802.1Q" -> VlanProtocol.IEEE_802_1Q;
                        case "802.1ad" -> VlanProtocol.IEEE_802_1AD;
                        default -> throw new BadStateException("unknown VLAN protocol '" + protocol + "'", null);
                    };
                    yield new HostParent.Vlan(string(p, "name", false), string(p, "lower", false), (int) number(p, "id", 1, 4094), proto);
                }
                default -> throw new BadStateException("unknown parent kind '" + kind + "'", null);
            };
        } catch (IllegalArgumentException e) {
            throw new BadStateException("bad parent: " + e.getMessage(), e);
        }
    }

    private static long number(Map<String, Object> m, String key, long min, long max) throws BadStateException {
        Object o = m.get(key);
        if (!(o instanceof Long l)) {
            throw new BadStateException("field \"" + key + "\" must be a whole number, was " + describe(o), null);
        }
        if (l < min || l > max) {
            throw new BadStateException("field \"" + key + "\" = " + l + " is out of range " + min + ".." + max, null);
        }
        return l;
    }

    private static boolean bool(Map<String, Object> m, String key) throws BadStateException {
        Object o = m.get(key);
        if (!(o instanceof Boolean b)) {
            throw new BadStateException("field \"" + key + "\" must be true or false, was " + describe(o), null);
        }
        return b;
    }

    private static String string(Map<String, Object> m, String key, boolean nullable) throws BadStateException {
        Object o = m.get(key);
        if (o == null && nullable && m.containsKey(key)) {
            return null;
        }
        if (!(o instanceof String s)) {
            throw new BadStateException("field \"" + key + "\" must be a string, was " + describe(o), null);
        }
        return s;
    }

    private static InetAddress ip(Map<String, Object> m, String key, boolean nullable) throws BadStateException {
        String s = string(m, key, nullable);
        if (s == null) {
            return null;
        }
        try {
            return Cidr.address(s);
        } catch (IllegalArgumentException e) {
            throw new BadStateException("field \"" + key + "\": " + e.getMessage(), null);
        }
    }

    private static String text(InetAddress a) {
        return a == null ? null : a.getHostAddress();
    }

    private static MacvlanMode mode(String name) throws BadStateException {
        for (MacvlanMode m : MacvlanMode.values()) {
            if (m.ipName().equals(name)) {
                return m;
            }
        }
        throw new BadStateException("field \"mode\": not a macvlan mode: '" + name + "'", null);
    }

    private static String describe(Object o) {
        return o == null ? "missing or null" : o instanceof String ? "a string" : o instanceof Long ? "a number"
                : o instanceof Boolean ? "a boolean" : o instanceof List ? "an array" : "an object";
    }
}
