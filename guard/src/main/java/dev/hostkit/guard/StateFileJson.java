package dev.hostkit.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state file's JSON shape (schema version 1) as records: their component names and order are the file format,
 * byte for byte what earlier versions wrote. Reading is strict: an unknown, missing, duplicated or mistyped field is
 * refused with its path ({@code interfaces[0].mtu}); values are judged afterwards by {@link SnapshotCodec}.
 *
 * <p>Jackson's streaming parser and generator (jackson-core) do the JSON; the mapping to these few records is written
 * out here rather than left to jackson-databind, whose 400-odd classes cost the long-running guardian about 10 MB of
 * resident memory for one small file shape (benchmarks/.../guard/JsonFootprint.java measures it).
 */
final class StateFileJson {
    private StateFileJson() {}

    /** The whole file. */
    record StateFile(int version, Namespace namespace, List<Interface> interfaces) {}

    /** {@link NamespaceRef}'s fields. */
    record Namespace(long device, long inode, long cookie, int pid, String path) {}

    /**
     * {@link InterfaceSnapshot}'s fields; {@code taken} is {@code takenAtMillis}, the parent carries the parent index.
     * {@code kind} and {@code flag} are written for an ipvlan only; a file without them (every earlier one) holds
     * macvlans.
     */
    record Interface(
            String name,
            int ifindex,
            String mac,
            int mtu,
            String mode,
            boolean up,
            Parent parent,
            long taken,
            List<Addr> addresses,
            List<RouteEntry> routes,
            String kind,
            String flag) {}

    /** {@link HostParent}, told apart by {@code kind}. */
    sealed interface Parent permits ExistingParent, VlanParent {
        int index();
    }

    record ExistingParent(String name, int index) implements Parent {}

    record VlanParent(String name, String lower, int id, String protocol, int index) implements Parent {}

    /** An address; {@code peer}, {@code broadcast} and {@code label} are present but may be null. */
    record Addr(String address, int prefix, String peer, String broadcast, int scope, long flags, String label) {}

    /**
     * A route; {@code destination}, {@code gateway} and {@code prefsrc} are present but may be null; {@code nexthops}
     * and {@code nexthopId} are written for multipath routes and nexthop objects only.
     */
    record RouteEntry(
            String family,
            String destination,
            int prefix,
            String gateway,
            long table,
            int priority,
            int scope,
            int protocol,
            int type,
            long flags,
            String prefsrc,
            List<Hop> nexthops,
            Long nexthopId) {}

    /**
     * A multipath route's next hop: {@code index} is its link's index when observed, {@code device} that link's name
     * (null when it was not found), {@code gateway} may be null.
     */
    record Hop(String gateway, int index, String device, int weight, long flags) {}

    /** No duplicate keys, and a nesting depth no state file needs (a file of '[' is refused, not recursed into). */
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(16).build())
            .build();

    static StateFile read(String text) throws SnapshotCodec.BadStateException {
        Object tree;
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new SnapshotCodec.BadStateException("the document is empty", null);
            }
            tree = value(p);
            if (p.nextToken() != null) {
                throw new SnapshotCodec.BadStateException(
                        "not valid JSON: more content after the document" + at(p), null);
            }
        } catch (JsonProcessingException e) {
            throw new SnapshotCodec.BadStateException("not valid JSON: " + e.getOriginalMessage() + at(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String source does no I/O
        }
        if (!(tree instanceof Map<?, ?> map)) {
            throw new SnapshotCodec.BadStateException("the document is not a JSON object", null);
        }
        // The version first: a newer guardian's file is "unsupported version", not a list of unknown fields.
        Fields root = new Fields(map, "");
        Object version = map.get("version");
        if (version == null || !(version instanceof Long || version instanceof BigInteger)) {
            throw new SnapshotCodec.BadStateException(
                    "field \"version\": " + (version == null ? "missing" : "must be a whole number"), null);
        }
        if (!(version instanceof Long v) || v != SnapshotCodec.VERSION) {
            throw new SnapshotCodec.BadStateException(
                    "field \"version\": unsupported state version " + version + " (this guardian reads "
                            + SnapshotCodec.VERSION + ")",
                    null);
        }
        StateFile f = new StateFile(
                root.integer("version"),
                root.object("namespace", StateFileJson::namespace),
                root.list("interfaces", StateFileJson::iface));
        root.done();
        return f;
    }

    private static Namespace namespace(Fields o) throws SnapshotCodec.BadStateException {
        Namespace n = new Namespace(
                o.number("device"), o.number("inode"), o.number("cookie"), o.integer("pid"), o.string("path"));
        o.done();
        return n;
    }

    private static Interface iface(Fields o) throws SnapshotCodec.BadStateException {
        Interface i = new Interface(
                o.string("name"),
                o.integer("ifindex"),
                o.string("mac"),
                o.integer("mtu"),
                o.string("mode"),
                o.bool("up"),
                o.object("parent", StateFileJson::parent),
                o.number("taken"),
                o.list("addresses", StateFileJson::addr),
                o.list("routes", StateFileJson::route),
                o.optionalString("kind"),
                o.optionalString("flag"));
        o.done();
        return i;
    }

    private static Parent parent(Fields o) throws SnapshotCodec.BadStateException {
        String kind = o.string("kind");
        Parent p;
        if ("existing".equals(kind)) {
            p = new ExistingParent(o.string("name"), o.integer("index"));
        } else if ("vlan".equals(kind)) {
            p = new VlanParent(
                    o.string("name"), o.string("lower"), o.integer("id"), o.string("protocol"), o.integer("index"));
        } else {
            throw o.bad("kind", "unknown parent kind '" + kind + "'");
        }
        o.done();
        return p;
    }

    private static Addr addr(Fields o) throws SnapshotCodec.BadStateException {
        Addr a = new Addr(
                o.string("address"),
                o.integer("prefix"),
                o.string("peer"),
                o.string("broadcast"),
                o.integer("scope"),
                o.number("flags"),
                o.string("label"));
        o.done();
        return a;
    }

    private static RouteEntry route(Fields o) throws SnapshotCodec.BadStateException {
        RouteEntry r = new RouteEntry(
                o.string("family"),
                o.string("destination"),
                o.integer("prefix"),
                o.string("gateway"),
                o.number("table"),
                o.integer("priority"),
                o.integer("scope"),
                o.integer("protocol"),
                o.integer("type"),
                o.number("flags"),
                o.string("prefsrc"),
                o.present("nexthops") ? o.list("nexthops", StateFileJson::hop) : null,
                o.present("nexthopId") ? o.boxedNumber("nexthopId") : null);
        o.done();
        return r;
    }

    private static Hop hop(Fields o) throws SnapshotCodec.BadStateException {
        Hop h = new Hop(
                o.string("gateway"), o.integer("index"), o.string("device"), o.integer("weight"), o.number("flags"));
        o.done();
        return h;
    }

    /**
     * One JSON value as plain Java: an object is a {@link LinkedHashMap}, an array a {@link List}, a whole number a
     * {@link Long} (or {@link BigInteger} past 64 bits), any other number a {@link Double}, null is null.
     */
    private static Object value(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    m.put(name, value(p)); // the parser refuses a duplicate name
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? p.getBigIntegerValue()
                        : p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    /** The fields of one object, taken by name with its path; {@link #done()} refuses the ones nobody took. */
    private static final class Fields {
        private final Map<?, ?> map;
        private final String path;
        private final Set<String> taken = new HashSet<>();

        Fields(Map<?, ?> map, String path) {
            this.map = map;
            this.path = path;
        }

        /** Whether an optional field is there and not null (either way it is a known field). */
        boolean present(String name) {
            taken.add(name);
            return map.get(name) != null;
        }

        private Object take(String name) throws SnapshotCodec.BadStateException {
            taken.add(name);
            if (!map.containsKey(name)) {
                throw bad(name, "missing");
            }
            return map.get(name);
        }

        long number(String name) throws SnapshotCodec.BadStateException {
            Object v = take(name);
            if (v instanceof Long l) {
                return l;
            }
            throw bad(name, v instanceof BigInteger ? v + " does not fit in 64 bits" : "must be a whole number");
        }

        Long boxedNumber(String name) throws SnapshotCodec.BadStateException {
            return number(name);
        }

        int integer(String name) throws SnapshotCodec.BadStateException {
            long v = number(name);
            if (v != (int) v) {
                throw bad(name, v + " does not fit in 32 bits");
            }
            return (int) v;
        }

        boolean bool(String name) throws SnapshotCodec.BadStateException {
            if (take(name) instanceof Boolean b) {
                return b;
            }
            throw bad(name, "must be true or false");
        }

        /** A string or null. */
        String string(String name) throws SnapshotCodec.BadStateException {
            Object v = take(name);
            if (v == null || v instanceof String) {
                return (String) v;
            }
            throw bad(name, "must be a string");
        }

        String optionalString(String name) throws SnapshotCodec.BadStateException {
            return map.containsKey(name) ? string(name) : null;
        }

        /** An object or null. */
        <T> T object(String name, Reader<T> reader) throws SnapshotCodec.BadStateException {
            Object v = take(name);
            if (v == null) {
                return null;
            }
            if (v instanceof Map<?, ?> m) {
                return reader.read(new Fields(m, join(name)));
            }
            throw bad(name, "must be an object");
        }

        /** A list of objects (any of them null) or null. */
        <T> List<T> list(String name, Reader<T> reader) throws SnapshotCodec.BadStateException {
            Object v = take(name);
            if (v == null) {
                return null;
            }
            if (!(v instanceof List<?> l)) {
                throw bad(name, "must be a list");
            }
            List<T> out = new ArrayList<>(l.size());
            for (int i = 0; i < l.size(); i++) {
                Object e = l.get(i);
                String at = join(name) + "[" + i + "]";
                if (e == null) {
                    out.add(null);
                } else if (e instanceof Map<?, ?> m) {
                    out.add(reader.read(new Fields(m, at)));
                } else {
                    throw new SnapshotCodec.BadStateException("field \"" + at + "\": must be an object", null);
                }
            }
            return out;
        }

        void done() throws SnapshotCodec.BadStateException {
            for (Object k : map.keySet()) {
                if (!taken.contains(k)) {
                    throw bad((String) k, "unknown field");
                }
            }
        }

        SnapshotCodec.BadStateException bad(String name, String what) {
            return new SnapshotCodec.BadStateException("field \"" + join(name) + "\": " + what, null);
        }

        private String join(String name) {
            return path.isEmpty() ? name : path + "." + name;
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read(Fields fields) throws SnapshotCodec.BadStateException;
    }

    static String write(StateFile f) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("version", f.version());
            g.writeFieldName("namespace");
            Namespace n = f.namespace();
            g.writeStartObject();
            g.writeNumberField("device", n.device());
            g.writeNumberField("inode", n.inode());
            g.writeNumberField("cookie", n.cookie());
            g.writeNumberField("pid", n.pid());
            g.writeStringField("path", n.path());
            g.writeEndObject();
            g.writeArrayFieldStart("interfaces");
            for (Interface i : f.interfaces()) {
                write(g, i);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a state file", e); // a StringWriter does no I/O
        }
        return out + "\n";
    }

    private static void write(JsonGenerator g, Interface i) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", i.name());
        g.writeNumberField("ifindex", i.ifindex());
        g.writeStringField("mac", i.mac());
        g.writeNumberField("mtu", i.mtu());
        g.writeStringField("mode", i.mode());
        g.writeBooleanField("up", i.up());
        g.writeFieldName("parent");
        g.writeStartObject();
        if (i.parent() instanceof VlanParent v) {
            g.writeStringField("kind", "vlan");
            g.writeStringField("name", v.name());
            g.writeStringField("lower", v.lower());
            g.writeNumberField("id", v.id());
            g.writeStringField("protocol", v.protocol());
            g.writeNumberField("index", v.index());
        } else {
            ExistingParent e = (ExistingParent) i.parent();
            g.writeStringField("kind", "existing");
            g.writeStringField("name", e.name());
            g.writeNumberField("index", e.index());
        }
        g.writeEndObject();
        g.writeNumberField("taken", i.taken());
        g.writeArrayFieldStart("addresses");
        for (Addr a : i.addresses()) {
            g.writeStartObject();
            g.writeStringField("address", a.address());
            g.writeNumberField("prefix", a.prefix());
            g.writeStringField("peer", a.peer());
            g.writeStringField("broadcast", a.broadcast());
            g.writeNumberField("scope", a.scope());
            g.writeNumberField("flags", a.flags());
            g.writeStringField("label", a.label());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("routes");
        for (RouteEntry r : i.routes()) {
            write(g, r);
        }
        g.writeEndArray();
        if (i.kind() != null) {
            g.writeStringField("kind", i.kind());
        }
        if (i.flag() != null) {
            g.writeStringField("flag", i.flag());
        }
        g.writeEndObject();
    }

    private static void write(JsonGenerator g, RouteEntry r) throws IOException {
        g.writeStartObject();
        g.writeStringField("family", r.family());
        g.writeStringField("destination", r.destination());
        g.writeNumberField("prefix", r.prefix());
        g.writeStringField("gateway", r.gateway());
        g.writeNumberField("table", r.table());
        g.writeNumberField("priority", r.priority());
        g.writeNumberField("scope", r.scope());
        g.writeNumberField("protocol", r.protocol());
        g.writeNumberField("type", r.type());
        g.writeNumberField("flags", r.flags());
        g.writeStringField("prefsrc", r.prefsrc());
        if (r.nexthops() != null) {
            g.writeArrayFieldStart("nexthops");
            for (Hop h : r.nexthops()) {
                g.writeStartObject();
                g.writeStringField("gateway", h.gateway());
                g.writeNumberField("index", h.index());
                g.writeStringField("device", h.device());
                g.writeNumberField("weight", h.weight());
                g.writeNumberField("flags", h.flags());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (r.nexthopId() != null) {
            g.writeNumberField("nexthopId", r.nexthopId());
        }
        g.writeEndObject();
    }

    private static String at(JsonParser p) {
        return p.currentLocation() == null
                ? ""
                : " (line " + p.currentLocation().getLineNr() + ", column "
                        + p.currentLocation().getColumnNr() + ")";
    }

    private static String at(JsonProcessingException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1
                ? ""
                : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")";
    }
}
