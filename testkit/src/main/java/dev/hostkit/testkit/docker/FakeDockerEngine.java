package dev.hostkit.testkit.docker;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake Docker Engine: an HTTP/1.1 server on a unix socket in a fresh temporary directory that answers each request
 * as the test scripted it, including the faults a real engine will not produce on demand (slow or missing answers,
 * malformed JSON, a connection dropped mid-body, idle connections closed, 500s with and without a body).
 * {@link #close()} stops every thread it started, closes every connection and deletes the socket and its directory.
 *
 * <p>Unscripted requests get what dockerd gives for an unknown route (404 {@code {"message":"page not found"}}),
 * except {@code GET}/{@code HEAD /_ping}, which answer {@code OK} with the {@link #apiVersion(String) API version}.
 * A script path without a {@code /v1.xx} prefix matches with any version prefix and without one; a segment written
 * {@code {name}} matches any one segment ({@code /containers/{id}/json}); the query string is ignored when matching. The newest matching script wins, so a test can re-script between calls.
 *
 * <pre>{@code
 * @Test
 * void engineErrorsBecomeTypedExceptions() {
 *     try (FakeDockerEngine engine = FakeDockerEngine.start()
 *                  .on("GET", "/info", Reply.error(500, "devmapper: pool is full"))
 *                  .on("GET", "/version", Reply.malformedJson())
 *                  .on("GET", "/containers/json", Reply.noAnswer());
 *          DockerClient docker = DockerClient.builder().host(engine.host()).readTimeout(Duration.ofMillis(500)).build()) {
 *         assertThatThrownBy(docker::info).isInstanceOf(DockerServerException.class).hasMessageContaining("pool is full");
 *         assertThatThrownBy(docker::version).hasMessageContaining("not valid JSON");
 *         assertThatThrownBy(() -> docker.listContainers(ListContainersRequest.builder().build()))
 *                 .isInstanceOf(DockerTimeoutException.class);
 *         assertThat(engine.requestLines()).contains("GET /v1.41/info");
 *     }
 * }
 * }</pre>
 *
 * <p>Limits: HTTP/1.1 only (no TLS, no TCP, no HTTP/2 or connection upgrade for attach/exec hijacking); one thread per
 * connection; request bodies are read (by {@code Content-Length} or chunked) and recorded as text.
 */
public final class FakeDockerEngine implements AutoCloseable {
    /** The API version a fake engine reports until told otherwise (Docker Engine 20.10). */
    public static final String DEFAULT_API_VERSION = "1.41";

    // sizeof(sockaddr_un.sun_path) on Linux, including the terminating NUL.
    private static final int SUN_PATH_MAX = 108;

    /**
     * One request as the engine received it, e.g. to check what a client sent:
     * <pre>{@code
     * Request create = engine.requests().stream().filter(r -> r.path().endsWith("/containers/create")).findFirst().orElseThrow();
     * assertThat(create.query()).isEqualTo("name=web");
     * assertThat(create.header("Content-Type")).isEqualTo("application/json");
     * assertThat(create.body()).contains("\"Image\":\"busybox\"");
     * }</pre>
     *
     * @param method the HTTP method, e.g. {@code GET}
     * @param target the request target: path and query, e.g. {@code /v1.41/containers/json?all=1}
     * @param headers the header fields, names in any case
     * @param body the body as UTF-8 text (empty when there was none)
     */
    public record Request(String method, String target, Map<String, String> headers, String body) {
        /** Copies the headers into a case-insensitive map. */
        public Request {
            TreeMap<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            h.putAll(headers);
            headers = Collections.unmodifiableMap(h);
        }

        /** The path without the query, e.g. {@code /v1.41/containers/json}. */
        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** The query without {@code ?}, or empty. */
        public String query() {
            int q = target.indexOf('?');
            return q < 0 ? "" : target.substring(q + 1);
        }

        /** A header's value, or {@code null}; names match in any case. */
        public String header(String name) {
            return headers.get(name);
        }

        /** {@code METHOD path}, e.g. {@code GET /v1.41/version}, as {@link #requestLines()} lists it. */
        public String line() {
            return method + " " + path();
        }
    }

    /** One accepted connection and whether it is waiting for a request (idle, as a pooled keep-alive connection). */
    private static final class Connection {
        final SocketChannel channel;
        volatile boolean idle = true;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private final Path dir;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    private final ReplyScripts scripts = new ReplyScripts();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile String apiVersion = DEFAULT_API_VERSION;
    private volatile boolean closed;

    private FakeDockerEngine(Path dir, Path socket, ServerSocketChannel server) {
        this.dir = dir;
        this.socket = socket;
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "hostkit-testkit-fake-docker-accept");
        acceptor.setDaemon(true);
    }

    /**
     * Starts an engine listening on {@code docker.sock} in a new temporary directory.
     *
     * @return the running engine; close it (try-with-resources)
     * @throws UncheckedIOException when the directory or socket cannot be made
     */
    public static FakeDockerEngine start() {
        Path dir = null;
        ServerSocketChannel server = null;
        try {
            dir = Files.createTempDirectory("hk-fake-docker");
            if (dir.resolve("docker.sock").toString().getBytes(StandardCharsets.UTF_8).length >= SUN_PATH_MAX) {
                // A long java.io.tmpdir would not fit a unix socket address; /tmp always does.
                Files.delete(dir);
                dir = Files.createTempDirectory(Path.of("/tmp"), "hk-fake-docker");
            }
            Path socket = dir.resolve("docker.sock");
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            FakeDockerEngine engine = new FakeDockerEngine(dir, socket, server);
            engine.acceptor.start();
            return engine;
        } catch (IOException e) {
            try {
                if (server != null) {
                    server.close();
                }
                if (dir != null) {
                    Files.deleteIfExists(dir.resolve("docker.sock"));
                    Files.deleteIfExists(dir);
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot start a fake Docker Engine: " + e.getMessage(), e);
        }
    }

    /** {@code unix:///tmp/hk-fake-docker.../docker.sock}: the form {@code DOCKER_HOST} and Docker clients take. */
    public String host() {
        return "unix://" + socket;
    }

    /** The engine's unix socket. */
    public Path socket() {
        return socket;
    }

    /**
     * The API version the engine reports in {@code /_ping} and in the {@code Api-Version} header of every reply,
     * e.g. {@code 1.12} to play an engine too old for the client.
     *
     * @param version e.g. {@code 1.41}
     * @return this engine
     */
    public FakeDockerEngine apiVersion(String version) {
        if (version == null || !version.matches("\\d+\\.\\d+")) {
            throw new IllegalArgumentException("not an API version such as 1.41: '" + version + "'");
        }
        this.apiVersion = version;
        return this;
    }

    /**
     * Scripts the replies to {@code method path}: the first request gets {@code first}, the next the first of
     * {@code then}, and so on; the last reply repeats.
     *
     * @param method {@code GET}, {@code POST}, ... or {@code *} for any
     * @param path e.g. {@code /containers/json} (any API version prefix) or {@code /v1.41/containers/json} (only that);
     *             a segment {@code {name}} matches any one segment, e.g. {@code /containers/{id}/json}
     * @param first the reply to the first matching request
     * @param then replies to the following requests
     * @return this engine
     */
    public FakeDockerEngine on(String method, String path, Reply first, Reply... then) {
        scripts.add(method, path, first, then);
        return this;
    }

    /**
     * The reply to every request no script matches (a 404 {@code page not found} by default; pings still answer).
     *
     * @param reply the reply
     * @return this engine
     */
    public FakeDockerEngine otherwise(Reply reply) {
        scripts.otherwise(reply);
        return this;
    }

    /** Every request received so far, in order of arrival. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every request received so far as {@code METHOD path} (no query), e.g. {@code HEAD /_ping}, {@code GET /v1.41/info}. */
    public List<String> requestLines() {
        return requests.stream().map(Request::line).toList();
    }

    /** How many connections the engine has accepted. */
    public int connectionsAccepted() {
        return accepted.get();
    }

    /** How many accepted connections are still open on the engine's side. */
    public int openConnections() {
        return (int) connections.stream().filter(c -> c.channel.isOpen()).count();
    }

    /**
     * Closes the connections that wait for a request, as an engine (or a proxy) closing idle keep-alive connections
     * does; a client must notice and use a new connection.
     *
     * @return how many were closed
     */
    public int closeIdleConnections() {
        int n = 0;
        for (Connection c : connections) {
            if (c.idle && c.channel.isOpen()) {
                closeQuietly(c.channel);
                n++;
            }
        }
        return n;
    }

    /**
     * Closes every connection, busy or idle (streams end, unanswered calls see the connection drop).
     *
     * @return how many were closed
     */
    public int closeAllConnections() {
        int n = 0;
        for (Connection c : connections) {
            if (c.channel.isOpen()) {
                closeQuietly(c.channel);
                n++;
            }
        }
        return n;
    }

    /** Stops the engine: closes the socket and every connection, ends its threads, deletes the socket's directory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        closeAllConnections();
        workers.forEach(Thread::interrupt);
        join(acceptor);
        workers.forEach(FakeDockerEngine::join);
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "fake Docker Engine stopped but " + dir + " could not be removed: " + e.getMessage(), e);
        }
    }

    private static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                return; // the server socket was closed
            }
            accepted.incrementAndGet();
            Connection c = new Connection(ch);
            connections.add(c);
            Thread t = new Thread(() -> serve(c), "hostkit-testkit-fake-docker-conn-" + accepted.get());
            t.setDaemon(true);
            workers.add(t);
            if (closed) {
                closeQuietly(ch);
            }
            t.start();
        }
    }

    private void serve(Connection c) {
        try (SocketChannel ch = c.channel) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            while (!closed) {
                c.idle = true;
                String head = HttpWire.readHead(in);
                c.idle = false;
                if (head == null) {
                    return;
                }
                Request req = HttpWire.parse(head, in, ch);
                requests.add(req);
                Reply reply = scripts.replyTo(req);
                if (!reply.delay().isZero()) {
                    Thread.sleep(reply.delay().toMillis());
                }
                // Idle from the moment a keep-alive reply is out: a client that has read it may close idle connections
                // at once.
                c.idle = reply.after() == Reply.After.KEEP_ALIVE;
                HttpWire.writeReply(ch, reply, reply.render(req, apiVersion));
                switch (reply.after()) {
                    case KEEP_ALIVE -> {}
                    case CLOSE -> {
                        return;
                    }
                    case HOLD -> {
                        // Silence until the client or close() ends the connection; whatever arrives is ignored.
                        while (in.read() >= 0) {
                            continue;
                        }
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // the client went away, or closeIdleConnections()/close() closed the connection
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close(): end the thread
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing is all that is wanted; a failure leaves nothing to undo
        }
    }
}
