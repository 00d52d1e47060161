package dev.hostkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.docker.internal.HttpEngine;
import dev.hostkit.docker.internal.HttpEngine.Call;
import dev.hostkit.docker.internal.Json;
import dev.hostkit.docker.internal.MalformedResponseException;
import dev.hostkit.docker.internal.PathSegments;
import dev.hostkit.docker.internal.StreamHandle;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

// What every endpoint class shares: the negotiated API version prefix, sending (with the version hint on a refusal),
// JSON bodies, JSON streams and query strings. One per client.
final class EngineCalls {
    private final DockerClient owner; // fenced during each call: its cleaner must not close the engine mid-call
    final HttpEngine engine;
    final Duration readTimeout;
    final Duration callTimeout;
    private volatile String api;

    EngineCalls(DockerClient owner, HttpEngine engine, Duration readTimeout, Duration callTimeout, String api) {
        this.owner = owner;
        this.engine = engine;
        this.readTimeout = readTimeout;
        this.callTimeout = callTimeout;
        this.api = api;
    }

    DockerClient owner() {
        return owner;
    }

    Ping ping() {
        try {
            HttpEngine.Response r = engine.send(Call.of("HEAD", "/_ping"));
            return new Ping(
                    nz(r.header("API-Version")),
                    nz(r.header("OSType")),
                    "true".equals(r.header("Docker-Experimental")));
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    String apiVersion() {
        String a = api;
        if (a != null) {
            return a;
        }
        synchronized (this) {
            if (api == null) {
                api = negotiate(ping().apiVersion());
            }
            return api;
        }
    }

    static String negotiate(String engineVersion) {
        String ev =
                engineVersion == null || engineVersion.isBlank() ? DockerClient.MIN_API_VERSION : engineVersion.strip();
        if (!ev.matches("\\d+\\.\\d+")) {
            throw new DockerException(
                    "HEAD /_ping", 200, "the engine sent an unreadable API-Version header: " + ev, null);
        }
        if (compareVersions(ev, DockerClient.MIN_API_VERSION) < 0) {
            throw new DockerException(
                    "HEAD /_ping",
                    200,
                    "the engine speaks API " + ev + ", older than the oldest this client supports ("
                            + DockerClient.MIN_API_VERSION + "): upgrade the Docker Engine",
                    null);
        }
        return compareVersions(ev, DockerClient.MAX_API_VERSION) > 0 ? DockerClient.MAX_API_VERSION : ev;
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }

    Call call(String method, String path) {
        return Call.of(method, "/v" + apiVersion() + path);
    }

    HttpEngine.Response get(String path) {
        return send(call("GET", path));
    }

    HttpEngine.Response send(Call c) {
        try {
            return engine.send(c);
        } catch (DockerBadRequestException e) {
            if (e.engineMessage().contains("client version")) {
                throw new DockerBadRequestException(
                        e.call(),
                        e.status(),
                        e.engineMessage() + " (this client speaks API " + DockerClient.MIN_API_VERSION + " to "
                                + DockerClient.MAX_API_VERSION + ", it used " + api + ")");
            }
            throw e;
        } finally {
            Reference.reachabilityFence(owner);
        }
    }

    StreamHandle open(Call c, String what) {
        return engine.open(c, what);
    }

    // The JSON reader is made on the first next(): Jackson reads ahead while constructing it, which
    // would block here on a quiet stream.
    <T> DockerStream<T> jsonStream(StreamHandle h, Function<JsonNode, T> mapper) {
        return new DockerStream<>(owner, h, new DockerStream.Decoder<>() {
            private MappingIterator<JsonNode> it;

            @Override
            public T next() throws IOException {
                if (it == null) {
                    it = Json.MAPPER.readerFor(JsonNode.class).readValues(h.body());
                }
                return it.hasNextValue() ? mapper.apply(it.nextValue()) : null;
            }
        });
    }

    static JsonNode json(HttpEngine.Response r) {
        return Json.parse(r.call(), r.body());
    }

    static <T> List<T> list(HttpEngine.Response r, Function<JsonNode, T> mapper) {
        JsonNode n = json(r);
        if (!n.isArray()) {
            throw new MalformedResponseException(r.call(), "expected a JSON array, got " + n.getNodeType(), null);
        }
        List<T> out = new ArrayList<>(n.size());
        n.forEach(e -> out.add(mapper.apply(e)));
        return List.copyOf(out);
    }

    static StringJoiner query() {
        return new StringJoiner("&", "?", "").setEmptyValue("");
    }

    static void addFilters(StringJoiner q, Map<String, List<String>> filters) {
        if (!filters.isEmpty()) {
            ObjectNode f = Json.object();
            filters.forEach((k, vs) -> strings(f.putArray(k), vs));
            q.add("filters=" + PathSegments.encode(new String(Json.bytes(f), StandardCharsets.UTF_8)));
        }
    }

    static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    static String epoch(Instant t) {
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
