// Over 400 lines: the public facade keeps every endpoint's javadoc and its public nested Builder; the calls live in
// *Calls.
package dev.hostkit.docker;

import dev.hostkit.core.internal.LeakWatch;
import dev.hostkit.core.internal.Ticker;
import dev.hostkit.docker.internal.HttpEngine;
import dev.hostkit.docker.internal.Models;
import dev.hostkit.docker.internal.UnixTransport;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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
    // The endpoint classes the facade delegates to: frames of theirs are the library's, not the caller's.
    private static final Set<String> LIBRARY_CLASSES = Set.of(
            EngineCalls.class.getName(),
            ContainerCalls.class.getName(),
            ExecCalls.class.getName(),
            EventCalls.class.getName(),
            ImageCalls.class.getName());

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
    private final EngineCalls calls;
    private final ContainerCalls containers;
    private final ExecCalls execs;
    private final EventCalls events;
    private final ImageCalls images;

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
        this.calls = new EngineCalls(this, engine, b.readTimeout, b.callTimeout, b.apiVersion);
        this.containers = new ContainerCalls(calls);
        this.execs = new ExecCalls(calls);
        this.events = new EventCalls(calls);
        this.images = new ImageCalls(calls);
        this.eviction = Ticker.shared().every(EVICTION_PERIOD, "evict idle Docker connections", engine::evictIdle);
        evictionRef[0] = eviction;
    }

    /** The client's own frames, skipped when naming where a client or stream was opened. */
    static boolean isLibraryFrame(String className) {
        return className.startsWith("dev.hostkit.docker.internal.")
                || className.startsWith("dev.hostkit.docker.DockerClient")
                || className.startsWith("dev.hostkit.docker.DockerStream")
                || LIBRARY_CLASSES.contains(className);
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
        return calls.ping();
    }

    /**
     * The API version used for calls: the lower of the engine's (from {@link #ping()}, asked once) and
     * {@value #MAX_API_VERSION}, unless the builder fixed one.
     *
     * @throws DockerException when the engine is older than {@value #MIN_API_VERSION}
     */
    public String apiVersion() {
        return calls.apiVersion();
    }

    /** {@code GET /version}. */
    public Version version() {
        return Models.version(EngineCalls.json(calls.get("/version")));
    }

    /** {@code GET /info}. */
    public Info info() {
        return Models.info(EngineCalls.json(calls.get("/info")));
    }

    // ---- containers

    /** Containers matching the request ({@link ListContainersRequest#RUNNING} for the running ones). */
    public List<ContainerSummary> listContainers(ListContainersRequest request) {
        return containers.list(request);
    }

    /** {@code GET /containers/{id}/json}; {@link DockerNotFoundException} when there is none. */
    public ContainerInspect inspectContainer(String idOrName) {
        return containers.inspect(idOrName);
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
        return containers.top(id, psArgs);
    }

    /**
     * Creates (does not start) a container.
     *
     * @return its id
     */
    public String createContainer(CreateContainerRequest r) {
        return containers.create(r);
    }

    /** Starts a container (already running is fine). */
    public void startContainer(String id) {
        containers.start(id);
    }

    /** Stops a container: SIGTERM, then SIGKILL after {@code timeout}. Already stopped is fine. */
    public void stopContainer(String id, Duration timeout) {
        containers.stop(id, timeout);
    }

    /** Sends a signal, e.g. {@code SIGKILL} or {@code HUP}. */
    public void killContainer(String id, String signal) {
        containers.kill(id, signal);
    }

    /** Restarts a container, stopping it with {@code timeout} first. */
    public void restartContainer(String id, Duration timeout) {
        containers.restart(id, timeout);
    }

    /**
     * Removes a container.
     *
     * @param force kill it first if it runs
     * @param volumes also remove its anonymous volumes
     */
    public void removeContainer(String id, boolean force, boolean volumes) {
        containers.remove(id, force, volumes);
    }

    /**
     * Waits for a container to exit.
     *
     * @param timeout how long to wait
     * @return its exit status
     * @throws DockerTimeoutException when it is still running after {@code timeout}
     */
    public int waitContainer(String id, Duration timeout) {
        return containers.await(id, timeout);
    }

    /**
     * Container output, de-multiplexed into stdout and stderr frames (raw stdout for a TTY container).
     * Without {@code follow} the stream ends with the output so far.
     */
    public DockerStream<LogFrame> logs(String id, LogsRequest r) {
        return containers.logs(id, r);
    }

    /** Reads a container's whole log so far (not followed) as text per source. */
    public ExecResult readLogs(String id) {
        return containers.readLogs(id);
    }

    /** Resource usage sampled once (the engine takes two samples, about a second apart). */
    public Stats stats(String id) {
        return containers.stats(id);
    }

    /** Resource usage, one sample per second until closed. */
    public DockerStream<Stats> statsStream(String id) {
        return containers.statsStream(id);
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
        return execs.exec(containerId, r, quietTimeout);
    }

    // ---- events

    /** Engine events in the window and matching the filters; follows until closed when {@code until} is null. */
    public DockerStream<Event> events(EventsRequest r) {
        return events.events(r);
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
        return events.engineTime();
    }

    // ---- images

    /** {@code GET /images/json}. */
    public List<ImageSummary> listImages() {
        return images.list();
    }

    /** {@code GET /images/{name}/json}. */
    public ImageInspect inspectImage(String nameOrId) {
        return images.inspect(nameOrId);
    }

    /** Removes an image (untags it; deletes it when no tag is left). */
    public void removeImage(String nameOrId, boolean force) {
        images.remove(nameOrId, force);
    }

    /**
     * Imports a root file system tar (as {@code docker import}) as {@code repository:tag}.
     * The stream is read to its end but not closed.
     *
     * @return the new image's id
     */
    public String importImage(InputStream tar, String repository, String tag) {
        return images.importTar(tar, repository, tag);
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

        /** The engine's socket file this builder points at; nothing is opened or connected. */
        public Path socket() {
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
            this.apiVersion = version == null ? null : EngineCalls.negotiate(version);
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
