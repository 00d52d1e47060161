package dev.hostkit.docker.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.core.Printable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON mapper (jackson-databind, unknown fields ignored: newer engines add fields) and small
 * typed readers over {@link JsonNode} and, for hot paths, over a streaming {@link JsonParser} (no tree
 * is built), so the public records carry no Jackson annotations.
 */
public final class Json {
    /** Shared, thread-safe after configuration. */
    public static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {}

    /** A fresh object node. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Serialises a node. */
    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    /**
     * Parses a response body.
     *
     * @param what the call, for the error message
     * @throws MalformedResponseException when the body is not JSON
     */
    public static JsonNode parse(String what, byte[] body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw new MalformedResponseException(what, "empty body where JSON was expected", null);
            }
            return n;
        } catch (IOException e) {
            throw new MalformedResponseException(
                    what,
                    "the engine's response is not valid JSON: "
                            + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                                    ? j.getOriginalMessage()
                                    : e.getMessage())
                            + " (body starts: " + preview(body) + ")",
                    e);
        }
    }

    /** Reads values from a streaming parser positioned by the caller. */
    public interface StreamReader<T> {
        /** Reads the whole document from {@code p} (no token consumed yet). */
        T read(JsonParser p) throws IOException;
    }

    /**
     * Streams a response body into a value without building a tree.
     *
     * @param what the call, for the error message
     * @throws MalformedResponseException when the body is not what the reader expects
     */
    public static <T> T stream(String what, byte[] body, StreamReader<T> reader) {
        try (JsonParser p = MAPPER.getFactory().createParser(body)) {
            return reader.read(p);
        } catch (IOException e) {
            throw new MalformedResponseException(
                    what,
                    "the engine's response is not valid JSON: "
                            + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage())
                            + " (body starts: " + preview(body) + ")",
                    e);
        }
    }

    /** The current value as text: "" for null; objects and arrays are skipped and give "". */
    public static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t != null && t.isScalarValue()) {
            return t == JsonToken.VALUE_NULL ? "" : p.getText();
        }
        p.skipChildren();
        return "";
    }

    /** The current value as a long, or 0 (structures are skipped). */
    public static long number(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t != null && t.isScalarValue()) {
            return p.getValueAsLong(0);
        }
        p.skipChildren();
        return 0;
    }

    /** The current value as a string list: an array of strings, one string, or empty. */
    public static List<String> strings(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_ARRAY) {
            List<String> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                out.add(text(p));
            }
            return List.copyOf(out);
        }
        if (t == JsonToken.VALUE_STRING) {
            return List.of(p.getText());
        }
        p.skipChildren();
        return List.of();
    }

    /** The current value as a string map (order kept), or empty when it is not an object. */
    public static Map<String, String> map(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            p.nextToken();
            out.put(k, text(p));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    static String preview(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8);
        return '"' + Printable.escape(s.replaceAll("[\\r\\n]+", " ")) + (body.length > 80 ? "...\"" : "\"");
    }

    // How much of an engine's message is quoted in an exception: enough to read, never the whole 5 MB body.
    private static final int ENGINE_MESSAGE_CHARS = 300;

    /**
     * The engine's {@code {"message": ...}} text, or the body itself (trimmed) when it has none; cut to
     * {@value #ENGINE_MESSAGE_CHARS} characters, control characters escaped.
     */
    public static String engineMessage(byte[] body) {
        if (body == null || body.length == 0) {
            return "(no body)";
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return Printable.escape(n.get("message").asText(), ENGINE_MESSAGE_CHARS);
            }
        } catch (IOException e) {
            // Not JSON: show it as text below.
        }
        return Printable.escape(new String(body, StandardCharsets.UTF_8).strip(), ENGINE_MESSAGE_CHARS);
    }

    /** Text of a field, or "" when absent or null. */
    public static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    /** Long value of a field, or 0. */
    public static long number(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? 0 : v.asLong();
    }

    /** A pid field, or 0 when absent or not a Linux pid (outside 1 to {@code Integer.MAX_VALUE}). */
    public static int pid(JsonNode n, String field) {
        long v = number(n, field);
        return v > 0 && v <= Integer.MAX_VALUE ? (int) v : 0;
    }

    /** Boolean field, or false. */
    public static boolean flag(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v != null && v.asBoolean();
    }

    /** String array field, or an empty list. */
    public static List<String> strings(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        List<String> out = new ArrayList<>();
        if (v != null && v.isArray()) {
            v.forEach(e -> out.add(e.asText()));
        } else if (v != null && v.isTextual()) {
            out.add(v.asText());
        }
        return List.copyOf(out);
    }

    /** String map field, or an empty map (order kept). */
    public static Map<String, String> map(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        Map<String, String> out = new LinkedHashMap<>();
        if (v != null && v.isObject()) {
            v.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
