package dev.hostkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.core.internal.LeakWatch;
import dev.hostkit.core.internal.Ticker;
import dev.hostkit.docker.internal.FrameDemultiplexer;
import dev.hostkit.docker.internal.HttpEngine;
import dev.hostkit.docker.internal.HttpEngine.Call;
import dev.hostkit.docker.internal.Json;
import dev.hostkit.docker.internal.MalformedResponseException;
import dev.hostkit.docker.internal.Models;
import dev.hostkit.docker.internal.PathSegments;
import dev.hostkit.docker.internal.StreamHandle;
import dev.hostkit.docker.internal.UnixTransport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * A client for one Docker Engine over its unix socket: thread-safe, one per engine, {@link AutoCloseable}.
 * It holds at most {@code poolSize} connections, closes idle ones after {@code idleTimeout}, reads and
 * releases every response on every path, and if it is dropped without {@link #close()} it is closed when
 * collected, with one warning naming where it was created.
 *
 * <pre>{@code
 * try (DockerClient docker = DockerClient.builder().build()) {   // DOCKER_HOST or /var/run/docker.sock
 *     for (ContainerSummary c : docker.listContainers(ListContainersRequest.RUNNING)) { ... }
 * }
 * }</pre>
 */
public final class DockerClient implements AutoCloseable {
    /** The oldest engine API this client speaks. */
    public static final String MIN_API_VERSION = "1.24";
    /** The newest engine API this client knows; a newer engine is spoken to at this version. */
    public static final String MAX_API_VERSION = "1.43";
    /** Where the engine listens unless {@code DOCKER_HOST} or the builder says otherwise. */
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    // How often idle connections are evicted.
    private static final Duration EVICTION_PERIOD = Duration.ofMillis(250);

    /** How bytes reach the socket. */
    public enum Transport {
        /** The JDK's own unix {@code SocketChannel} (the default; see the module README): no native code, one fd per connection. */
        JDK,
        /** jnr-unixsocket: one fd per connection, kernel read timeouts; needs {@code com.github.jnr:jnr-unixsocket} on the class path. */
        JNR
    }

    private final Builder config;
    private final HttpEngine engine;
    private final LeakWatch.Watch leak;
    private final Ticker.Task eviction;
    private volatile String api;

    private DockerClient(Builder b) {
        this.config = b.copy();
        // The engine is made first so the release below can capture it (never this); its creation site is filled in
        // from the leak watch, which finds the caller's frame.
        HttpEngine[] engineRef = new HttpEngine[1];
        Ticker.Task[] evictionRef = new Ticker.Task[1];
        this.leak = LeakWatch.watch(
                this,
                "DockerClient for " + b.socket(),
                "Create one client per engine and close it.",
                DockerClient::isLibraryFrame,
                () -> {
                    evictionRef[0].close();
                    engineRef[0].close();
                });
        this.engine = new HttpEngine(
                new HttpEngine.Settings(
                        b.socket(),
                        b.transport == Transport.JDK ? UnixTransport.JDK : UnixTransport.JNR,
                        b.poolSize,
                        b.idleTimeout,
                        b.connectTimeout,
                        b.readTimeout,
                        b.acquireTimeout,
                        b.oneShot,
                        b.userAgent,
                        b.callTimeout,
                        b.maxListBytes,
                        b.maxObjectBytes),
                leak.site());
        engineRef[0] = engine;
        this.api = b.apiVersion;
        this.eviction = Ticker.shared().every(EVICTION_PERIOD, "evict idle Docker connections", engine::evictIdle);
        evictionRef[0] = eviction;
    }

    /** The client's own frames, skipped when naming where a client or stream was opened. */
    static boolean isLibraryFrame(String className) {
        return className.startsWith("dev.hostkit.docker.internal.")
                || className.startsWith("dev.hostkit.docker.DockerClient")
                || className.startsWith("dev.hostkit.docker.DockerStream");
    }

    /** A builder with defaults: {@code DOCKER_HOST} (or {@value #DEFAULT_HOST}), JDK transport, 8 connections. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this client's configuration, to derive a differently configured client. */
    public Builder newBuilder() {
        return config.copy();
    }

    /** The engine's socket. */
    public Path socket() {
        return config.socket();
    }

    // ---- system

    /**
     * {@code HEAD /_ping}: whether the engine answers, and its API version.
     *
     * @return the engine's ping headers
     */
    public Ping ping() {
        try {
            HttpEngine.Response r = engine.send(Call.of("HEAD", "/_ping"));
            return new Ping(
                    nz(r.header("API-Version")),
                    nz(r.header("OSType")),
                    "true".equals(r.header("Docker-Experimental")));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The API version used for calls: the lower of the engine's (from {@link #ping()}, asked once) and
     * {@value #MAX_API_VERSION}, unless the builder fixed one.
     *
     * @throws DockerException when the engine is older than {@value #MIN_API_VERSION}
     */
    public String apiVersion() {
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
        String ev = engineVersion == null || engineVersion.isBlank() ? MIN_API_VERSION : engineVersion.strip();
        if (!ev.matches("\\d+\\.\\d+")) {
            throw new DockerException(
                    "HEAD /_ping", 200, "the engine sent an unreadable API-Version header: " + ev, null);
        }
        if (compareVersions(ev, MIN_API_VERSION) < 0) {
            throw new DockerException(
                    "HEAD /_ping",
                    200,
                    "the engine speaks API " + ev + ", older than the oldest this client supports (" + MIN_API_VERSION
                            + "): upgrade the Docker Engine",
                    null);
        }
        return compareVersions(ev, MAX_API_VERSION) > 0 ? MAX_API_VERSION : ev;
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }

    /** {@code GET /version}. */
    public Version version() {
        return Models.version(json(get("/version")));
    }

    /** {@code GET /info}. */
    public Info info() {
        return Models.info(json(get("/info")));
    }

    // ---- containers

    /** Containers matching the request ({@link ListContainersRequest#RUNNING} for the running ones). */
    public List<ContainerSummary> listContainers(ListContainersRequest request) {
        StringJoiner q = query();
        if (request.all()) {
            q.add("all=1");
        }
        addFilters(q, request.filters());
        HttpEngine.Response r = send(call("GET", "/containers/json" + qs(q)).asList());
        return Json.stream(r.call(), r.body(), Models::containerSummaries);
    }

    /** {@code GET /containers/{id}/json}; {@link DockerNotFoundException} when there is none. */
    public ContainerInspect inspectContainer(String idOrName) {
        return Models.containerInspect(
                json(get("/containers/" + PathSegments.object("container", idOrName) + "/json")));
    }

    /**
     * {@code GET /containers/{id}/top}: the processes of a running container, as {@code docker top}
     * shows them (the engine runs {@code ps -ef}).
     *
     * @throws DockerConflictException when the container is not running
     */
    public ContainerTop top(String id) {
        return top(id, "");
    }

    /**
     * {@code GET /containers/{id}/top?ps_args=...}: the processes of a running container with the
     * given {@code ps} arguments, e.g. {@code -o pid,comm}.
     *
     * @param psArgs arguments for {@code ps}; empty for the engine's default ({@code -ef})
     * @throws IllegalArgumentException when {@code psArgs} contains control characters
     * @throws DockerConflictException when the container is not running
     */
    public ContainerTop top(String id, String psArgs) {
        String seg = PathSegments.object("container", id);
        if (psArgs.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("ps arguments must not contain control characters: " + psArgs);
        }
        String q = psArgs.isBlank() ? "" : "?ps_args=" + PathSegments.encode(psArgs.strip());
        return Models.containerTop(
                json(send(call("GET", "/containers/" + seg + "/top" + q).asList())));
    }

    /**
     * Creates (does not start) a container.
     *
     * @return its id
     */
    public String createContainer(CreateContainerRequest r) {
        ObjectNode body = Json.object();
        body.put("Image", r.image());
        if (!r.cmd().isEmpty()) {
            strings(body.putArray("Cmd"), r.cmd());
        }
        if (!r.entrypoint().isEmpty()) {
            strings(body.putArray("Entrypoint"), r.entrypoint());
        }
        ArrayNode env = body.putArray("Env");
        r.env().forEach((k, v) -> env.add(k + "=" + v));
        ObjectNode labels = body.putObject("Labels");
        r.labels().forEach(labels::put);
        body.put("Tty", r.tty());
        body.put("User", r.user());
        body.put("WorkingDir", r.workingDir());
        ObjectNode host = body.putObject("HostConfig");
        if (!r.networkMode().isEmpty()) {
            host.put("NetworkMode", r.networkMode());
        }
        if (r.memoryBytes() > 0) {
            host.put("Memory", r.memoryBytes());
        }
        host.put("AutoRemove", r.autoRemove());
        String path = "/containers/create"
                + (r.name().isEmpty() ? "" : "?name=" + PathSegments.object("container", r.name()));
        JsonNode created = json(send(call("POST", path).withJson(Json.bytes(body))));
        return Json.text(created, "Id");
    }

    /** Starts a container (already running is fine). */
    public void startContainer(String id) {
        send(call("POST", "/containers/" + PathSegments.object("container", id) + "/start"));
    }

    /** Stops a container: SIGTERM, then SIGKILL after {@code timeout}. Already stopped is fine. */
    public void stopContainer(String id, Duration timeout) {
        send(call("POST", "/containers/" + PathSegments.object("container", id) + "/stop?t=" + timeout.toSeconds())
                .withReadTimeout(config.readTimeout.plus(timeout))
                .withDeadline(config.callTimeout.plus(timeout)));
    }

    /** Sends a signal, e.g. {@code SIGKILL} or {@code HUP}. */
    public void killContainer(String id, String signal) {
        if (!signal.matches("[A-Z0-9+]{1,16}")) {
            throw new IllegalArgumentException("not a signal name or number: " + signal);
        }
        send(call("POST", "/containers/" + PathSegments.object("container", id) + "/kill?signal=" + signal));
    }

    /** Restarts a container, stopping it with {@code timeout} first. */
    public void restartContainer(String id, Duration timeout) {
        send(call("POST", "/containers/" + PathSegments.object("container", id) + "/restart?t=" + timeout.toSeconds())
                .withReadTimeout(config.readTimeout.plus(timeout))
                .withDeadline(config.callTimeout.plus(timeout)));
    }

    /**
     * Removes a container.
     *
     * @param force kill it first if it runs
     * @param volumes also remove its anonymous volumes
     */
    public void removeContainer(String id, boolean force, boolean volumes) {
        send(call(
                "DELETE",
                "/containers/" + PathSegments.object("container", id) + "?force=" + (force ? 1 : 0) + "&v="
                        + (volumes ? 1 : 0)));
    }

    /**
     * Waits for a container to exit.
     *
     * @param timeout how long to wait
     * @return its exit status
     * @throws DockerTimeoutException when it is still running after {@code timeout}
     */
    public int waitContainer(String id, Duration timeout) {
        JsonNode r = json(send(call("POST", "/containers/" + PathSegments.object("container", id) + "/wait")
                .withReadTimeout(timeout)
                .withDeadline(config.callTimeout.plus(timeout))));
        return (int) Json.number(r, "StatusCode");
    }

    /**
     * Container output, de-multiplexed into stdout and stderr frames (raw stdout for a TTY container).
     * Without {@code follow} the stream ends with the output so far.
     */
    public DockerStream<LogFrame> logs(String id, LogsRequest r) {
        String seg = PathSegments.object("container", id);
        boolean tty = inspectContainer(id).config().tty();
        StringJoiner q = query();
        q.add("stdout=" + (r.stdout() ? 1 : 0)).add("stderr=" + (r.stderr() ? 1 : 0));
        if (r.follow()) {
            q.add("follow=1");
        }
        if (r.timestamps()) {
            q.add("timestamps=1");
        }
        if (r.since() != null) {
            q.add("since=" + epoch(r.since()));
        }
        q.add("tail=" + (r.tail() < 0 ? "all" : Integer.toString(r.tail())));
        Call c = call("GET", "/containers/" + seg + "/logs" + qs(q));
        if (r.follow()) {
            c = c.withReadTimeout(Duration.ZERO);
        }
        StreamHandle h = engine.open(c, "logs of " + id);
        FrameDemultiplexer demux = new FrameDemultiplexer(h.body(), tty);
        return new DockerStream<>(this, h, demux::next);
    }

    /** Reads a container's whole log so far (not followed) as text per source. */
    public ExecResult readLogs(String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (DockerStream<LogFrame> s = logs(id, LogsRequest.ALL)) {
            for (LogFrame f : s) {
                (f.source() == LogFrame.Source.STDERR ? err : out).writeBytes(f.payload());
            }
        }
        return new ExecResult(0, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Resource usage sampled once (the engine takes two samples, about a second apart). */
    public Stats stats(String id) {
        return Models.stats(json(get("/containers/" + PathSegments.object("container", id) + "/stats?stream=false")));
    }

    /** Resource usage, one sample per second until closed. */
    public DockerStream<Stats> statsStream(String id) {
        Call c = call("GET", "/containers/" + PathSegments.object("container", id) + "/stats?stream=true");
        return jsonStream(engine.open(c, "stats of " + id), Models::stats);
    }

    // ---- exec

    /** Runs a command in a running container and captures its output; each read waits up to the read timeout. */
    public ExecResult exec(String containerId, ExecRequest r) {
        return exec(containerId, r, config.readTimeout);
    }

    /**
     * Runs a command in a running container and captures its output.
     *
     * @param quietTimeout longest time the command may go without output
     */
    public ExecResult exec(String containerId, ExecRequest r, Duration quietTimeout) {
        ObjectNode body = Json.object();
        body.put("AttachStdout", true).put("AttachStderr", true).put("Tty", false);
        strings(body.putArray("Cmd"), r.cmd());
        ArrayNode env = body.putArray("Env");
        r.env().forEach((k, v) -> env.add(k + "=" + v));
        if (!r.user().isEmpty()) {
            body.put("User", r.user());
        }
        if (!r.workingDir().isEmpty()) {
            body.put("WorkingDir", r.workingDir());
        }
        String execId = Json.text(
                json(send(call("POST", "/containers/" + PathSegments.object("container", containerId) + "/exec")
                        .withJson(Json.bytes(body)))),
                "Id");
        String seg = PathSegments.object("exec", execId);
        ObjectNode start = Json.object().put("Detach", false).put("Tty", false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StreamHandle h = engine.open(
                call("POST", "/exec/" + seg + "/start")
                        .withJson(Json.bytes(start))
                        .withReadTimeout(quietTimeout),
                "exec in " + containerId);
        try (DockerStream<LogFrame> s = new DockerStream<>(this, h, new FrameDemultiplexer(h.body(), false)::next)) {
            for (LogFrame f : s) {
                (f.source() == LogFrame.Source.STDERR ? err : out).writeBytes(f.payload());
            }
        }
        JsonNode info = json(get("/exec/" + seg + "/json"));
        return new ExecResult(
                (int) Json.number(info, "ExitCode"),
                out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    // ---- events

    /** Engine events in the window and matching the filters; follows until closed when {@code until} is null. */
    public DockerStream<Event> events(EventsRequest r) {
        StringJoiner q = query();
        if (r.since() != null) {
            q.add("since=" + epoch(r.since()));
        }
        if (r.until() != null) {
            q.add("until=" + epoch(r.until()));
        }
        addFilters(q, r.filters());
        Call c = call("GET", "/events" + qs(q)).withReadTimeout(Duration.ZERO);
        return jsonStream(engine.open(c, "events"), Models::event);
    }

    /**
     * Follows the engine without gaps: the container list (all states), then every event matching the request's
     * filters from the list's point in time on, resumed after drops and engine restarts with back-off (100 ms doubling
     * up to 5 s); see {@link ContainerWatch}. No call is made until the first {@link ContainerWatch#next()}.
     *
     * @param r filters only: {@code since} and {@code until} must be null (the watch sets them)
     * @return the watch; close it
     * @throws IllegalArgumentException when {@code since} or {@code until} is set
     */
    public ContainerWatch watch(EventsRequest r) {
        return watch(r, Duration.ofSeconds(5));
    }

    /**
     * Like {@link #watch(EventsRequest)} with the longest back-off between reconnect attempts.
     *
     * @param r filters only
     * @param maxBackoff at least 100 ms
     * @return the watch; close it
     */
    public ContainerWatch watch(EventsRequest r, Duration maxBackoff) {
        if (r.since() != null || r.until() != null) {
            throw new IllegalArgumentException("a watch sets since and until itself; pass filters only (since="
                    + r.since() + ", until=" + r.until() + ")");
        }
        return new ContainerWatch(this, r.filters(), ContainerWatch.requireBackoff(maxBackoff));
    }

    /** The engine's clock ({@code SystemTime} of {@code GET /info}): the point in time event filters are measured on. */
    Instant engineTime() {
        HttpEngine.Response r = get("/info");
        String t = Json.text(json(r), "SystemTime");
        try {
            return java.time.OffsetDateTime.parse(t).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new MalformedResponseException(r.call(), "SystemTime '" + t + "' is not an RFC 3339 time", e);
        }
    }

    // ---- images

    /** {@code GET /images/json}. */
    public List<ImageSummary> listImages() {
        return list(send(call("GET", "/images/json").asList()), Models::imageSummary);
    }

    /** {@code GET /images/{name}/json}. */
    public ImageInspect inspectImage(String nameOrId) {
        return Models.imageInspect(json(get("/images/" + PathSegments.image(nameOrId) + "/json")));
    }

    /** Removes an image (untags it; deletes it when no tag is left). */
    public void removeImage(String nameOrId, boolean force) {
        send(call("DELETE", "/images/" + PathSegments.image(nameOrId) + "?force=" + (force ? 1 : 0)));
    }

    /**
     * Imports a root file system tar (as {@code docker import}) as {@code repository:tag}.
     * The stream is read to its end but not closed.
     *
     * @return the new image's id
     */
    public String importImage(InputStream tar, String repository, String tag) {
        PathSegments.image(repository + ":" + tag);
        Call base = call(
                "POST",
                "/images/create?fromSrc=-&repo=" + PathSegments.encode(repository) + "&tag="
                        + PathSegments.encode(tag));
        // No total deadline: the upload takes as long as the caller's tar; each read waits at most the read timeout.
        Call c = base.withTar(Objects.requireNonNull(tar, "tar"))
                .withDeadline(Duration.ZERO)
                .asList();
        HttpEngine.Response r = send(c);
        String id = "";
        try (MappingIterator<JsonNode> it =
                Json.MAPPER.readerFor(JsonNode.class).readValues(r.body())) {
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n.hasNonNull("error")) {
                    throw new DockerException(c.toString(), r.status(), Json.text(n, "error"), null);
                }
                String status = Json.text(n, "status");
                if (status.startsWith("sha256:")) {
                    id = status;
                }
            }
        } catch (IOException e) {
            throw new MalformedResponseException(c.toString(), "unreadable import progress: " + e.getMessage(), e);
        }
        if (id.isEmpty()) {
            throw new MalformedResponseException(c.toString(), "the engine reported no image id for the import", null);
        }
        return id;
    }

    // ---- lifecycle

    /** Closes every open stream and pooled connection; later calls fail with {@link IllegalStateException}. */
    @Override
    public void close() {
        leak.closed();
        eviction.close();
        engine.close();
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return engine.isClosed();
    }

    /** Connections this client holds right now (leased plus idle). */
    public int openConnections() {
        return engine.openConnections();
    }

    @Override
    public String toString() {
        return "DockerClient[unix://" + config.socket() + ", " + config.transport + (isClosed() ? ", closed]" : "]");
    }

    // ---- plumbing

    private Call call(String method, String path) {
        return Call.of(method, "/v" + apiVersion() + path);
    }

    private HttpEngine.Response get(String path) {
        return send(call("GET", path));
    }

    private HttpEngine.Response send(Call c) {
        try {
            return engine.send(c);
        } catch (DockerBadRequestException e) {
            if (e.engineMessage().contains("client version")) {
                throw new DockerBadRequestException(
                        e.call(),
                        e.status(),
                        e.engineMessage() + " (this client speaks API " + MIN_API_VERSION + " to " + MAX_API_VERSION
                                + ", it used " + api + ")");
            }
            throw e;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    // The JSON reader is made on the first next(): Jackson reads ahead while constructing it, which
    // would block here on a quiet stream.
    private <T> DockerStream<T> jsonStream(StreamHandle h, Function<JsonNode, T> mapper) {
        return new DockerStream<>(this, h, new DockerStream.Decoder<>() {
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

    private static JsonNode json(HttpEngine.Response r) {
        return Json.parse(r.call(), r.body());
    }

    private static <T> List<T> list(HttpEngine.Response r, Function<JsonNode, T> mapper) {
        JsonNode n = json(r);
        if (!n.isArray()) {
            throw new MalformedResponseException(r.call(), "expected a JSON array, got " + n.getNodeType(), null);
        }
        List<T> out = new ArrayList<>(n.size());
        n.forEach(e -> out.add(mapper.apply(e)));
        return List.copyOf(out);
    }

    private static StringJoiner query() {
        return new StringJoiner("&", "?", "").setEmptyValue("");
    }

    private static String qs(StringJoiner q) {
        return q.toString();
    }

    private static void addFilters(StringJoiner q, Map<String, List<String>> filters) {
        if (!filters.isEmpty()) {
            ObjectNode f = Json.object();
            filters.forEach((k, vs) -> strings(f.putArray(k), vs));
            q.add("filters=" + PathSegments.encode(new String(Json.bytes(f), StandardCharsets.UTF_8)));
        }
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static String epoch(Instant t) {
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /**
     * Configuration of a {@link DockerClient}; {@link #build()} copies it, so a builder can be reused.
     * Defaults: {@code DOCKER_HOST} or {@value DockerClient#DEFAULT_HOST}, JDK transport, 8 connections,
     * 30 s idle eviction, 5 s connect and acquire timeouts, 60 s read timeout, 30 s call timeout, responses up to
     * 8 MiB for lists and 2 MiB for single objects.
     */
    public static final class Builder {
        private String host;
        private Transport transport = Transport.JDK;
        private int poolSize = 8;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(60);
        private Duration acquireTimeout = Duration.ofSeconds(5);
        private Duration callTimeout = Duration.ofSeconds(30);
        private long maxListBytes = 8L << 20;
        private long maxObjectBytes = 2L << 20;
        private boolean oneShot;
        private String userAgent = "hostkit-docker-client/0.1";
        private String apiVersion;

        private Builder() {
            String env = System.getenv("DOCKER_HOST");
            host(env == null || env.isBlank() ? DEFAULT_HOST : env);
        }

        private Builder copy() {
            Builder b = new Builder();
            b.host = host;
            b.transport = transport;
            b.poolSize = poolSize;
            b.idleTimeout = idleTimeout;
            b.connectTimeout = connectTimeout;
            b.readTimeout = readTimeout;
            b.acquireTimeout = acquireTimeout;
            b.callTimeout = callTimeout;
            b.maxListBytes = maxListBytes;
            b.maxObjectBytes = maxObjectBytes;
            b.oneShot = oneShot;
            b.userAgent = userAgent;
            b.apiVersion = apiVersion;
            return b;
        }

        Path socket() {
            return Path.of(host.substring("unix://".length()));
        }

        /**
         * The engine, as {@code unix:///path/to/docker.sock} (the form of {@code DOCKER_HOST}).
         *
         * @throws IllegalArgumentException for other schemes (TCP is not supported)
         */
        public Builder host(String host) {
            if (host == null || !host.startsWith("unix:///") || host.length() <= "unix:///".length()) {
                throw new IllegalArgumentException(
                        "only unix:///absolute/path engine addresses are supported, got " + host);
            }
            this.host = host;
            return this;
        }

        /** Which unix-socket implementation to use (default {@link Transport#JDK}). */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport);
            return this;
        }

        /** Most connections held at once, streams included (default 8). */
        public Builder poolSize(int size) {
            if (size < 1 || size > 1024) {
                throw new IllegalArgumentException("pool size must be 1..1024, got " + size);
            }
            this.poolSize = size;
            return this;
        }

        /** An idle pooled connection is closed after this long (default 30 s). */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive("idle timeout", d);
            return this;
        }

        /**
         * Connect timeout (default 5 s). A unix connect waits only while the engine's listen backlog is
         * full (it does not accept: overloaded or hung); then the call fails with {@link DockerTimeoutException}.
         */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connect timeout", d);
            return this;
        }

        /** Longest wait for response bytes (default 60 s); streams that follow have none. */
        public Builder readTimeout(Duration d) {
            this.readTimeout = positive("read timeout", d);
            return this;
        }

        /** Longest wait for a free pooled connection (default 5 s); then the call fails saying who holds them. */
        public Builder acquireTimeout(Duration d) {
            this.acquireTimeout = positive("acquire timeout", d);
            return this;
        }

        /**
         * Longest time one call may take from sending its request to the last byte of its response (default 30 s),
         * however slowly the bytes arrive; then it fails with {@link DockerTimeoutException} naming the call and the
         * deadline. Streams (events, followed logs, stats, exec output) are held to it only until their headers
         * arrive; after that each read waits at most the read timeout (none for followed streams). Calls that wait
         * on purpose ({@code stopContainer}, {@code restartContainer}, {@code waitContainer}) get their own timeout
         * on top; {@code importImage} has none (its upload is as long as the caller's tar).
         */
        public Builder callTimeout(Duration d) {
            this.callTimeout = positive("call timeout", d);
            return this;
        }

        /**
         * Largest response body accepted for calls whose answer grows with the host: container and image lists,
         * {@code top}, import progress (default 8 MiB). A larger body fails with
         * {@link DockerResponseTooLargeException} and is never read whole.
         */
        public Builder maxListBytes(long bytes) {
            this.maxListBytes = bodyLimit("list body limit", bytes);
            return this;
        }

        /**
         * Largest response body accepted for calls that answer one object: version, info, inspect, stats, create,
         * exec (default 2 MiB). A larger body fails with {@link DockerResponseTooLargeException}.
         */
        public Builder maxObjectBytes(long bytes) {
            this.maxObjectBytes = bodyLimit("object body limit", bytes);
            return this;
        }

        /** For one-shot tools: no connection is kept after a call ({@code Connection: close}). */
        public Builder oneShot(boolean on) {
            this.oneShot = on;
            return this;
        }

        /** The {@code User-Agent} header. */
        public Builder userAgent(String ua) {
            if (ua == null || ua.isBlank() || ua.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
                throw new IllegalArgumentException("user agent must be printable ASCII: " + ua);
            }
            this.userAgent = ua;
            return this;
        }

        /** Fixes the API version instead of negotiating it with the engine (e.g. {@code 1.41}). */
        public Builder apiVersion(String version) {
            this.apiVersion = version == null ? null : negotiate(version);
            return this;
        }

        /** A new client; it connects lazily, on the first call. */
        public DockerClient build() {
            return new DockerClient(this);
        }

        private static long bodyLimit(String what, long bytes) {
            if (bytes < 1024 || bytes > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException(what + " must be 1 KiB to 2 GiB, got " + bytes);
            }
            return bytes;
        }

        private static Duration positive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
