package dev.hostkit.guard;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The state file's JSON shape (schema version 1) as records: their component names and order are the file format,
 * byte for byte what earlier versions wrote. Reading is strict: an unknown, missing, duplicated or mistyped field is
 * refused with its path ({@code interfaces[0].mtu}); values are judged afterwards by {@link SnapshotCodec}.
 */
final class StateFileJson {
    private StateFileJson() {}

    /** The whole file. */
    record StateFile(int version, Namespace namespace, List<Interface> interfaces) {}

    /** {@link NamespaceRef}'s fields. */
    record Namespace(long device, long inode, long cookie, int pid, String path) {}

    /** {@link InterfaceSnapshot}'s fields; {@code taken} is {@code takenAtMillis}, the parent carries the parent index. */
    /** {@code kind} and {@code flag} are written for an ipvlan only; a file without them (every earlier one) holds macvlans. */
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
            @JsonInclude(JsonInclude.Include.NON_NULL) String kind,
            @JsonInclude(JsonInclude.Include.NON_NULL) String flag) {}

    /** The fields an interface may leave out (the reader is otherwise strict about missing ones). */
    private static final List<String> OPTIONAL_INTERFACE_FIELDS = List.of("kind", "flag");

    /** {@link HostParent}, told apart by {@code kind}. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = ExistingParent.class, name = "existing"),
        @JsonSubTypes.Type(value = VlanParent.class, name = "vlan")
    })
    sealed interface Parent permits ExistingParent, VlanParent {
        int index();
    }

    record ExistingParent(String name, int index) implements Parent {}

    record VlanParent(String name, String lower, int id, String protocol, int index) implements Parent {}

    /** An address; {@code peer}, {@code broadcast} and {@code label} are present but may be null. */
    record Addr(String address, int prefix, String peer, String broadcast, int scope, long flags, String label) {}

    /** A route; {@code destination}, {@code gateway} and {@code prefsrc} are present but may be null. */
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
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Hop> nexthops,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long nexthopId) {}

    /**
     * A multipath route's next hop: {@code index} is its link's index when observed, {@code device} that link's name
     * (null when it was not found), {@code gateway} may be null.
     */
    record Hop(String gateway, int index, String device, int weight, long flags) {}

    /** The fields a route may leave out: written for multipath routes and nexthop objects only. */
    private static final List<String> OPTIONAL_ROUTE_FIELDS = List.of("nexthops", "nexthopId");

    /** Refuses what the hand-written parser refused: no coercion, no floats for whole numbers, no duplicate keys. */
    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(
                            StreamReadConstraints.builder().maxNestingDepth(16).build())
                    .build())
            .enable(
                    DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                            DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
                    DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfigDefaults(c -> {
                for (CoercionInputShape shape : CoercionInputShape.values()) {
                    c.setCoercion(shape, CoercionAction.Fail);
                }
            })
            .build();

    private static final Pattern MISSING = Pattern.compile("Missing (?:required )?creator property '([^']+)'");
    private static final Pattern MISSING_TYPE = Pattern.compile("missing type id property '([^']+)'");

    static StateFile read(String text) throws SnapshotCodec.BadStateException {
        try {
            // The version first: a newer guardian's file is "unsupported version", not a list of unknown fields.
            JsonNode tree = MAPPER.readTree(text);
            if (tree == null || !tree.isObject()) {
                throw new SnapshotCodec.BadStateException(
                        "the document is " + (tree == null || tree.isMissingNode() ? "empty" : "not a JSON object"),
                        null);
            }
            JsonNode version = tree.get("version");
            if (version == null || !version.isIntegralNumber()) {
                throw new SnapshotCodec.BadStateException(
                        "field \"version\": " + (version == null ? "missing" : "must be a whole number"), null);
            }
            if (!version.canConvertToInt() || version.intValue() != SnapshotCodec.VERSION) {
                throw new SnapshotCodec.BadStateException(
                        "field \"version\": unsupported state version " + version.asText() + " (this guardian reads "
                                + SnapshotCodec.VERSION + ")",
                        null);
            }
            JsonNode ifs = tree.get("interfaces");
            if (ifs != null && ifs.isArray()) {
                for (JsonNode i : ifs) {
                    if (i instanceof ObjectNode o) {
                        fillOptional(o, OPTIONAL_INTERFACE_FIELDS);
                        JsonNode routes = o.get("routes");
                        if (routes != null && routes.isArray()) {
                            routes.forEach(r -> {
                                if (r instanceof ObjectNode ro) {
                                    fillOptional(ro, OPTIONAL_ROUTE_FIELDS);
                                }
                            });
                        }
                    }
                }
            }
            return MAPPER.treeToValue(tree, StateFile.class);
        } catch (JsonProcessingException e) {
            throw new SnapshotCodec.BadStateException(describe(e), e);
        }
    }

    private static void fillOptional(ObjectNode o, List<String> fields) {
        for (String f : fields) {
            if (!o.has(f)) {
                o.putNull(f);
            }
        }
    }

    static String write(StateFile f) {
        try {
            return MAPPER.writeValueAsString(f) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a state file: " + e.getOriginalMessage(), e);
        }
    }

    /** One line: where (the field's path) and what, without Jackson's source excerpt. */
    private static String describe(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "not valid JSON: " + e.getOriginalMessage() + at(e);
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        String where = path.length() == 0 ? "document" : path.toString();
        String original = e.getOriginalMessage();
        if (e instanceof UnrecognizedPropertyException u) {
            return "field \"" + join(where, u.getPropertyName()) + "\": unknown field";
        }
        Matcher missing = MISSING.matcher(original);
        if (missing.find()) {
            return "field \"" + join(where, missing.group(1)) + "\": missing";
        }
        Matcher missingType = MISSING_TYPE.matcher(original);
        if (missingType.find()) {
            return "field \"" + join(where, missingType.group(1)) + "\": missing";
        }
        if (e instanceof InvalidTypeIdException t) {
            return "field \"" + join(where, "kind") + "\": unknown parent kind '" + t.getTypeId() + "'";
        }
        int cut = original.indexOf(" (through reference chain");
        String what = cut > 0 ? original.substring(0, cut) : original;
        return "field \"" + where + "\": " + what.replace('\n', ' ') + at(e);
    }

    private static String join(String where, String field) {
        return where.equals("document")
                ? field
                : where.endsWith("." + field) || where.equals(field) ? where : where + "." + field;
    }

    private static String at(JsonProcessingException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1
                ? ""
                : " (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")";
    }
}
