// Over 400 lines: one documented factory or modifier per reply a test can script, faults included.
package dev.hostkit.testkit.docker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a {@link FakeDockerEngine} does with one request: a well-formed reply, or a fault. Immutable; the factories
 * make the common cases and {@link #after(Duration)}, {@link #header(String, String)} and {@link #thenClose()}
 * adjust them.
 *
 * <pre>{@code
 * engine.on("GET", "/version", Reply.json(200, "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\"}"));
 * engine.on("GET", "/info", Reply.error(500, "devmapper: pool is full"));       // Docker's error body
 * engine.on("GET", "/containers/json", Reply.status(500));                      // 500 without a body
 * engine.on("GET", "/images/json", Reply.json(200, "[]").after(Duration.ofSeconds(2)));   // a slow engine
 * engine.on("GET", "/version", Reply.dropMidBody(200, "{\"Version\":\"20.10.24\"}", 11),  // first call: dropped
 *                              Reply.json(200, "{\"Version\":\"20.10.24\"}"));            // then: fine
 * engine.on("GET", "/events", Reply.stream("{\"Type\":\"container\",\"Action\":\"start\"}\n"));  // then silence
 * engine.on("GET", "/info", Reply.json(200, "{}").dripEvery(Duration.ofSeconds(1)));   // one byte a second
 * engine.on("GET", "/images/json", Reply.json(200, "[]").header("Content-Length", "1073741824"));  // announces 1 GB
 * engine.on("GET", "/version", Reply.json(200, "{}").cutAfter(20));              // dies inside the headers
 * }</pre>
 */
public final class Reply {
    /** What happens to the connection after the reply is written. */
    enum After {
        /** Wait for the next request (HTTP/1.1 keep-alive). */
        KEEP_ALIVE,
        /** Close the connection. */
        CLOSE,
        /** Neither answer more nor close: silence until the client or the engine ends the connection. */
        HOLD
    }

    private static final String JSON = "application/json";

    private final int status; // 0: write no response at all
    private final String contentType;
    private final byte[] body;
    private final int bodyBytesSent; // -1: the whole body
    private final boolean chunked;
    private final List<String[]> headers;
    private final byte[] raw; // verbatim bytes instead of a rendered response
    private final Duration delay;
    private final After after;
    private final Duration drip; // zero: write at once
    private final boolean dripBodyOnly;
    private final int cutAfter; // -1: the whole rendered response

    private Reply(
            int status,
            String contentType,
            byte[] body,
            int bodyBytesSent,
            boolean chunked,
            List<String[]> headers,
            byte[] raw,
            Duration delay,
            After after) {
        this(status, contentType, body, bodyBytesSent, chunked, headers, raw, delay, after, Duration.ZERO, false, -1);
    }

    private Reply(
            int status,
            String contentType,
            byte[] body,
            int bodyBytesSent,
            boolean chunked,
            List<String[]> headers,
            byte[] raw,
            Duration delay,
            After after,
            Duration drip,
            boolean dripBodyOnly,
            int cutAfter) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.bodyBytesSent = bodyBytesSent;
        this.chunked = chunked;
        this.headers = headers;
        this.raw = raw;
        this.delay = delay;
        this.after = after;
        this.drip = drip;
        this.dripBodyOnly = dripBodyOnly;
        this.cutAfter = cutAfter;
    }

    private static Reply of(int status, String contentType, byte[] body) {
        return new Reply(
                checkStatus(status), contentType, body, -1, false, List.of(), null, Duration.ZERO, After.KEEP_ALIVE);
    }

    /**
     * A complete reply with a JSON body (sent as is, so it may be invalid on purpose).
     *
     * @param status the HTTP status, e.g. 200
     * @param json the body
     * @return the reply
     */
    public static Reply json(int status, String json) {
        return of(status, JSON, Objects.requireNonNull(json, "json").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A complete reply with any body and content type, e.g. a plain-text error from a proxy in front of the engine.
     *
     * @param status the HTTP status
     * @param contentType e.g. {@code text/plain; charset=utf-8}
     * @param body the body
     * @return the reply
     */
    public static Reply body(int status, String contentType, String body) {
        return of(
                status,
                Objects.requireNonNull(contentType, "contentType"),
                Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An error as the engine sends it: {@code {"message":"..."}} with the given status.
     *
     * @param status e.g. 404, 409, 500
     * @param message the engine's message, e.g. {@code No such container: web}
     * @return the reply
     */
    public static Reply error(int status, String message) {
        return json(status, "{\"message\":" + quote(Objects.requireNonNull(message, "message")) + "}");
    }

    /**
     * A reply with no body ({@code Content-Length: 0}; none for 204 and 304), e.g. {@code status(500)} for a 500
     * without the engine's message.
     *
     * @param status the HTTP status
     * @return the reply
     */
    public static Reply status(int status) {
        return of(status, null, new byte[0]);
    }

    /** A complete 200 whose JSON object is cut off after {@code "Version":"20.10.24","ApiVersion":} (no value, no closing brace). */
    public static Reply malformedJson() {
        return json(200, "{\"Version\":\"20.10.24\",\"ApiVersion\":");
    }

    /**
     * A reply whose headers promise the whole body ({@code Content-Length}) but whose connection closes after
     * {@code bytesSent} bytes of it.
     *
     * @param status the HTTP status
     * @param json the whole body the headers announce
     * @param bytesSent how many of its bytes are sent before the close (less than its length)
     * @return the reply
     */
    public static Reply dropMidBody(int status, String json, int bytesSent) {
        byte[] b = Objects.requireNonNull(json, "json").getBytes(StandardCharsets.UTF_8);
        if (bytesSent < 0 || bytesSent >= b.length) {
            throw new IllegalArgumentException(
                    "bytesSent must be 0 to " + (b.length - 1) + " (less than the body), got " + bytesSent);
        }
        return new Reply(checkStatus(status), JSON, b, bytesSent, false, List.of(), null, Duration.ZERO, After.CLOSE);
    }

    /** No reply ever: the request is read and the connection held open in silence (a hung engine). */
    public static Reply noAnswer() {
        return new Reply(0, null, new byte[0], -1, false, List.of(), null, Duration.ZERO, After.HOLD);
    }

    /** The connection is closed without a reply (an engine that crashed or restarted mid-request). */
    public static Reply closeConnection() {
        return new Reply(0, null, new byte[0], -1, false, List.of(), null, Duration.ZERO, After.CLOSE);
    }

    /**
     * A 200 chunked JSON stream (as {@code /events}, {@code /containers/{id}/stats}) that sends {@code chunks}, one
     * chunk each, then stays open in silence until the client or the engine closes it.
     *
     * @param chunks what to send before the silence, e.g. JSON lines; none for an idle stream
     * @return the reply
     */
    public static Reply stream(String... chunks) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String c : chunks) {
            byte[] bytes = c.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > 0) {
                b.writeBytes((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                b.writeBytes(bytes);
                b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        return new Reply(200, JSON, b.toByteArray(), -1, true, List.of(), null, Duration.ZERO, After.HOLD);
    }

    /**
     * Exactly these bytes, for anything the other factories cannot say (e.g. a broken status line); the connection
     * then stays open for the next request.
     *
     * @param response the bytes to write, in ISO-8859-1 (one byte per char), e.g. {@code "HTTP/1.1 200 OK\r\n..."}
     * @return the reply
     */
    public static Reply raw(String response) {
        return new Reply(
                0,
                null,
                new byte[0],
                -1,
                false,
                List.of(),
                Objects.requireNonNull(response, "response").getBytes(StandardCharsets.ISO_8859_1),
                Duration.ZERO,
                After.KEEP_ALIVE);
    }

    static Reply ping() {
        return body(200, "text/plain; charset=utf-8", "OK")
                .header("Cache-Control", "no-cache, no-store, must-revalidate")
                .header("Pragma", "no-cache");
    }

    /**
     * The same reply, sent only after {@code delay} (a slow engine). The delay counts from when the request was read.
     *
     * @param delay how long to wait; zero for no wait
     * @return the new reply
     */
    public Reply after(Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("delay must be zero or positive, got " + delay);
        }
        return copy(r -> r.delay = delay);
    }

    /**
     * The same reply with one more header, or with a default header ({@code Api-Version}, {@code Server}, ...) replaced.
     *
     * @param name e.g. {@code Location}
     * @param value e.g. {@code /v1.41/images/json}
     * @return the new reply
     */
    public Reply header(String name, String value) {
        if (name == null
                || !name.matches("[A-Za-z0-9-]+")
                || value == null
                || value.contains("\r")
                || value.contains("\n")) {
            throw new IllegalArgumentException("not a header field: '" + name + ": " + value + "'");
        }
        List<String[]> h = new ArrayList<>(headers);
        h.add(new String[] {name, value});
        return copy(r -> r.headers = List.copyOf(h));
    }

    /** The same reply, then the connection is closed (a complete response without {@code Connection: close}). */
    public Reply thenClose() {
        return copy(r -> r.after = After.CLOSE);
    }

    /**
     * The same reply written one byte every {@code interval}, status line and headers included: an engine (or
     * anything else on its socket) that answers, but too slowly for any deadline, while never going quiet for long.
     *
     * @param interval the pause before each byte, e.g. one second
     * @return the new reply
     */
    public Reply dripEvery(Duration interval) {
        return copy(r -> {
            r.drip = positive(interval);
            r.dripBodyOnly = false;
        });
    }

    /**
     * The same reply with its status line and headers written at once and its body one byte every {@code interval}.
     *
     * @param interval the pause before each body byte
     * @return the new reply
     */
    public Reply dripBodyEvery(Duration interval) {
        return copy(r -> {
            r.drip = positive(interval);
            r.dripBodyOnly = true;
        });
    }

    /**
     * The same reply cut after its first {@code bytes} bytes (counting the status line and headers), then the
     * connection closed: an engine that died in the middle of answering.
     *
     * @param bytes how many bytes of the rendered response are written (at least 1)
     * @return the new reply
     */
    public Reply cutAfter(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes must be at least 1, got " + bytes);
        }
        return copy(r -> {
            r.after = After.CLOSE;
            r.cutAfter = bytes;
        });
    }

    // A reply's fields as mutable ones: each method that derives a reply sets what differs and builds the new one.
    private static final class Parts {
        int status;
        String contentType;
        byte[] body;
        int bodyBytesSent;
        boolean chunked;
        List<String[]> headers;
        byte[] raw;
        Duration delay;
        After after;
        Duration drip;
        boolean dripBodyOnly;
        int cutAfter;
    }

    private Reply copy(Consumer<Parts> change) {
        Parts r = new Parts();
        r.status = status;
        r.contentType = contentType;
        r.body = body;
        r.bodyBytesSent = bodyBytesSent;
        r.chunked = chunked;
        r.headers = headers;
        r.raw = raw;
        r.delay = delay;
        r.after = after;
        r.drip = drip;
        r.dripBodyOnly = dripBodyOnly;
        r.cutAfter = cutAfter;
        change.accept(r);
        return new Reply(
                r.status,
                r.contentType,
                r.body,
                r.bodyBytesSent,
                r.chunked,
                r.headers,
                r.raw,
                r.delay,
                r.after,
                r.drip,
                r.dripBodyOnly,
                r.cutAfter);
    }

    private static Duration positive(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + d);
        }
        return d;
    }

    Duration drip() {
        return drip;
    }

    boolean dripBodyOnly() {
        return dripBodyOnly;
    }

    Duration delay() {
        return delay;
    }

    After after() {
        return after;
    }

    /** The bytes to write for {@code req}, with the engine's default headers. */
    byte[] render(FakeDockerEngine.Request req, String apiVersion) {
        byte[] all = renderWhole(req, apiVersion);
        return cutAfter < 0 || cutAfter >= all.length ? all : java.util.Arrays.copyOf(all, cutAfter);
    }

    private byte[] renderWhole(FakeDockerEngine.Request req, String apiVersion) {
        if (raw != null) {
            return raw;
        }
        if (status == 0) {
            return new byte[0];
        }
        Map<String, String> h = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        List<String> order = new ArrayList<>();
        put(h, order, "Api-Version", apiVersion);
        if (contentType != null) {
            put(h, order, "Content-Type", contentType);
        }
        put(h, order, "Docker-Experimental", "false");
        put(h, order, "Ostype", "linux");
        put(h, order, "Server", "Docker/20.10.24 (linux)");
        if (chunked) {
            put(h, order, "Transfer-Encoding", "chunked");
        } else if (status != 204 && status != 304) {
            put(h, order, "Content-Length", Integer.toString(body.length));
        }
        for (String[] kv : headers) {
            put(h, order, kv[0], kv[1]);
        }
        StringBuilder head = new StringBuilder("HTTP/1.1 ")
                .append(status)
                .append(' ')
                .append(reason(status))
                .append("\r\n");
        for (String name : order) {
            head.append(name).append(": ").append(h.get(name)).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!req.method().equals("HEAD")) {
            out.write(body, 0, bodyBytesSent < 0 ? body.length : bodyBytesSent);
        }
        return out.toByteArray();
    }

    // The map ignores case, so a reply's own header replaces a default one in place.
    private static void put(Map<String, String> h, List<String> order, String name, String value) {
        if (h.put(name, value) == null) {
            order.add(name);
        }
    }

    private static int checkStatus(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
        return status;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status " + status;
        };
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
