package dev.hostkit.docker.internal;

import dev.hostkit.docker.DockerBadRequestException;
import dev.hostkit.docker.DockerConflictException;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerNotFoundException;
import dev.hostkit.docker.DockerServerException;
import dev.hostkit.docker.DockerTimeoutException;
import dev.hostkit.docker.DockerUnavailableException;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.impl.io.HttpRequestExecutor;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BufferedHeader;
import org.apache.hc.core5.util.CharArrayBuffer;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * HTTP/1.1 to one engine over its unix socket, on Apache HttpComponents 5 classic I/O: HttpClient 5's
 * blocking connection ({@link ManagedHttpClientConnection}) driven by httpcore's
 * {@link HttpRequestExecutor}, over a small bounded {@link ConnectionPool}. The request path is only
 * what the engine needs (no redirects, cookies, auth, compression or URI rewriting): pre-built
 * headers, one lease, one exchange, one release. Every non-streaming call reads and releases its
 * response on every path; streams are tracked until closed so {@link #close()} can end them.
 * Failures come out as typed {@link DockerException}s.
 */
public final class HttpEngine implements AutoCloseable {
    // The engine ignores Host, but HTTP/1.1 requires one.
    // Pre-formatted: httpcore writes a BufferedHeader's line as it is instead of formatting it per request.
    private static final Header HOST = formatted(HttpHeaders.HOST, "docker");
    private static final Header CONNECTION_CLOSE = formatted(HttpHeaders.CONNECTION, "close");
    private static final Header CHUNKED = formatted(HttpHeaders.TRANSFER_ENCODING, "chunked");
    private static final Header JSON = formatted(HttpHeaders.CONTENT_TYPE, "application/json");
    private static final Header TAR = formatted(HttpHeaders.CONTENT_TYPE, "application/x-tar");
    private static final byte[] NO_BODY = new byte[0];
    private static final ManagedHttpClientConnectionFactory CONNECTIONS = ManagedHttpClientConnectionFactory.builder()
            .responseParserFactory(http1Config -> new ResponseHeadParser())
            .build();
    // A pooled connection idle this long is probed (a 1 ms read) before reuse: the engine may have
    // closed it or restarted meanwhile.
    private static final long VALIDATE_AFTER_NANOS = 2_000_000_000L;

    /** Everything the engine needs to know; validated by the public builder. */
    public record Settings(
            Path socket,
            UnixTransport transport,
            int poolSize,
            Duration idleTimeout,
            Duration connectTimeout,
            Duration readTimeout,
            Duration acquireTimeout,
            boolean oneShot,
            String userAgent,
            Duration callTimeout,
            long maxListBytes,
            long maxObjectBytes) {}

    /**
     * A fully read response; headers as the engine sent them.
     *
     * @param call the request it answers ("GET /v1.41/version"), for error messages about the body
     */
    public record Response(String call, int status, Header[] headers, byte[] body) {
        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** A header's value (name case-insensitive), or null. */
        public String header(String name) {
            return HttpEngine.header(headers, name);
        }
    }

    /** Which body limit a call's response is held to. */
    public enum BodyKind {
        /** One object (version, info, an inspect): {@link Settings#maxObjectBytes()}. */
        OBJECT,
        /** A list or a progress log whose size grows with the host: {@link Settings#maxListBytes()}. */
        LIST
    }

    /**
     * One request; body null for none.
     *
     * @param readTimeout longest wait for each read; null for the client's, zero for none
     * @param deadline longest time for the whole call (for a stream: until its headers arrived); null for the
     *                 client's call timeout, zero for none
     * @param kind which body limit applies
     */
    public record Call(
            String method,
            String path,
            byte[] jsonBody,
            InputStream tarBody,
            Duration readTimeout,
            Duration deadline,
            BodyKind kind) {
        /** A call without body, with the default timeouts and the object body limit. */
        public static Call of(String method, String path) {
            return new Call(method, path, null, null, null, null, BodyKind.OBJECT);
        }

        /** The call with a JSON body. */
        public Call withJson(byte[] json) {
            return new Call(method, path, json, tarBody, readTimeout, deadline, kind);
        }

        /** The call with a tar body sent chunked (read to its end, not closed). */
        public Call withTar(InputStream tar) {
            return new Call(method, path, jsonBody, tar, readTimeout, deadline, kind);
        }

        /** The call with its own read timeout (zero: none). */
        public Call withReadTimeout(Duration timeout) {
            return new Call(method, path, jsonBody, tarBody, timeout, deadline, kind);
        }

        /** The call with its own total deadline (zero: none). */
        public Call withDeadline(Duration d) {
            return new Call(method, path, jsonBody, tarBody, readTimeout, d, kind);
        }

        /** The call held to the list body limit. */
        public Call asList() {
            return new Call(method, path, jsonBody, tarBody, readTimeout, deadline, BodyKind.LIST);
        }

        /** Whether repeating the call cannot change anything on the engine. */
        boolean idempotent() {
            return method.equals("GET") || method.equals("HEAD");
        }

        @Override
        public String toString() {
            int q = path.indexOf('?');
            return method + " " + (q < 0 ? path : path.substring(0, q));
        }
    }

    private final Settings settings;
    private final ConnectionPool pool;
    private final HttpRequestExecutor executor = new HttpRequestExecutor();
    private final Header userAgent;
    private final Timeout readTimeout;
    private final long acquireNanos;
    private final Set<StreamHandle> streams = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String createdAt;

    /**
     * @param settings where and how to connect
     * @param createdAt where the owning client was created, for error messages
     */
    public HttpEngine(Settings settings, String createdAt) {
        this.settings = settings;
        this.createdAt = createdAt;
        this.userAgent = formatted(HttpHeaders.USER_AGENT, settings.userAgent());
        this.readTimeout = Timeout.of(settings.readTimeout());
        this.acquireNanos = ConnectionPool.nanos(settings.acquireTimeout());
        int connectMillis =
                (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis());
        Path socket = settings.socket();
        UnixTransport transport = settings.transport();
        this.pool = new ConnectionPool(
                settings.poolSize(), ConnectionPool.nanos(settings.idleTimeout()), VALIDATE_AFTER_NANOS, () -> {
                    UnixSocketAdapter s = UnixSocketAdapter.connect(transport, socket, connectMillis);
                    try {
                        return CONNECTIONS.createConnection(s);
                    } catch (IOException | RuntimeException e) {
                        s.close();
                        throw e;
                    }
                });
    }

    /** The settings this engine was built with. */
    public Settings settings() {
        return settings;
    }

    /**
     * Sends a request and reads the whole response, within the call's deadline and body limit; a
     * status of 300 or above becomes a typed exception. A GET or HEAD that finds its reused
     * connection dead before a single response byte arrived is sent once more on another connection,
     * within the same deadline.
     *
     * @param call the request
     * @return status, headers and body
     */
    public Response send(Call call) {
        ensureOpen(call);
        ClassicHttpRequest request = request(call);
        long deadlineMillis = deadlineMillis(call);
        long started = System.nanoTime();
        long limit = call.kind() == BodyKind.LIST ? settings.maxListBytes() : settings.maxObjectBytes();
        while (true) {
            ConnectionPool.Entry c = lease(call);
            UnixSocketAdapter socket = c.socket;
            long bytesBefore = socket.bytesRead();
            long token = 0;
            boolean reusable = false;
            try {
                if (deadlineMillis > 0) {
                    long left = deadlineMillis - (System.nanoTime() - started) / 1_000_000;
                    if (left <= 0) {
                        throw deadlineError(call, deadlineMillis, 0, null);
                    }
                    token = socket.startCallDeadline(left);
                }
                ClassicHttpResponse response = exchange(call, request, c);
                HttpEntity entity = response.getEntity();
                int status = response.getCode();
                if (status >= 400) {
                    ResponseBodies.Body b = entity == null
                            ? new ResponseBodies.Body(NO_BODY, true)
                            : ResponseBodies.readUpTo(entity, ResponseBodies.ERROR_BODY_BYTES);
                    reusable = b.complete() && reusable(response);
                    throw statusError(call, status, b.bytes());
                }
                if (status >= 300) {
                    throw ResponseBodies.redirect(call, response);
                }
                byte[] body = entity == null ? NO_BODY : ResponseBodies.readBounded(call, entity, limit);
                if (token != 0) {
                    boolean inTime = socket.endCallDeadline(token);
                    token = 0;
                    if (!inTime) {
                        // The socket was shut down: what looks like the end of the body may be the cut.
                        throw deadlineError(call, deadlineMillis, socket.bytesRead() - bytesBefore, null);
                    }
                }
                reusable = reusable(response);
                return new Response(call.toString(), status, response.getHeaders(), body);
            } catch (IOException e) {
                boolean expired = token != 0 && !socket.endCallDeadline(token);
                token = 0;
                long arrived = socket.bytesRead() - bytesBefore;
                if (expired) {
                    throw deadlineError(call, deadlineMillis, arrived, e);
                }
                // Only a reused connection that died before a single response byte may be tried again.
                if (!c.fresh && call.idempotent() && arrived == 0 && stale(e)) {
                    continue; // the finally below discards the dead connection first
                }
                throw ioError(call, e);
            } finally {
                if (token != 0 && !socket.endCallDeadline(token)) {
                    reusable = false;
                }
                pool.release(c, reusable);
            }
        }
    }

    /**
     * Sends a request and hands back the open response body; the caller must close the handle. The
     * call's deadline covers the wait for the response headers; then each read of the stream waits at
     * most the call's read timeout. A stream is sent again only when its pooled connection turned out dead before a single response
     * byte arrived; once anything arrived it is never sent twice.
     *
     * @param call the request (its read timeout applies to each read of the stream)
     * @param what what the stream is, for leak reports
     * @return the open stream
     */
    public StreamHandle open(Call call, String what) {
        ensureOpen(call);
        ClassicHttpRequest request = request(call);
        long deadlineMillis = deadlineMillis(call);
        while (true) {
            ConnectionPool.Entry c = lease(call);
            UnixSocketAdapter socket = c.socket;
            long bytesBefore = socket.bytesRead();
            long token = deadlineMillis > 0 ? socket.startCallDeadline(deadlineMillis) : 0;
            boolean handedOver = false;
            try {
                ClassicHttpResponse response = exchange(call, request, c);
                if (token != 0) {
                    boolean inTime = socket.endCallDeadline(token);
                    token = 0;
                    if (!inTime) {
                        throw deadlineError(call, deadlineMillis, socket.bytesRead() - bytesBefore, null);
                    }
                }
                if (response.getCode() >= 300) {
                    throw statusError(call, response);
                }
                HttpEntity entity = response.getEntity();
                InputStream body = entity == null ? InputStream.nullInputStream() : entity.getContent();
                StreamHandle h = new StreamHandle(this, call, what, c, body, response.getHeaders());
                handedOver = true;
                streams.add(h);
                if (closed.get()) {
                    h.close();
                    throw closedError(call);
                }
                return h;
            } catch (IOException e) {
                if (token != 0 && !socket.endCallDeadline(token)) {
                    throw deadlineError(call, deadlineMillis, socket.bytesRead() - bytesBefore, e);
                }
                token = 0;
                // A pooled connection the engine closed while idle breaks the pipe while the request is written: the
                // engine never got it, so it is sent on a fresh connection. A request the engine may have read (the
                // connection closed after it, no answer) is never sent twice.
                if (!c.fresh && socket.bytesRead() == bytesBefore && brokenPipe(e)) {
                    continue; // the finally below discards the dead connection first
                }
                throw ioError(call, e);
            } finally {
                if (!handedOver) {
                    if (token != 0) {
                        socket.endCallDeadline(token);
                    }
                    // A half-read response never goes back to the pool.
                    pool.release(c, false);
                }
            }
        }
    }

    // The call's total deadline in ms; 0 for none.
    private long deadlineMillis(Call call) {
        Duration d = call.deadline() != null ? call.deadline() : settings.callTimeout();
        return d.isZero() ? 0 : Math.max(1, d.toMillis());
    }

    // An error status (>= 400) or a redirect as its typed exception; at most ERROR_BODY_BYTES of the body are read.
    private static DockerException statusError(Call call, ClassicHttpResponse response) throws IOException {
        int status = response.getCode();
        if (status < 400) {
            return ResponseBodies.redirect(call, response);
        }
        HttpEntity entity = response.getEntity();
        byte[] body = entity == null
                ? NO_BODY
                : ResponseBodies.readUpTo(entity, ResponseBodies.ERROR_BODY_BYTES)
                        .bytes();
        return statusError(call, status, body);
    }

    private DockerTimeoutException deadlineError(Call call, long deadlineMillis, long bytesArrived, IOException cause) {
        return new DockerTimeoutException(
                call.toString(),
                "did not complete within " + deadlineMillis + " ms (call deadline"
                        + (bytesArrived > 0
                                ? "; " + bytesArrived + " response bytes had arrived"
                                : "; no response byte had arrived")
                        + "): the engine at " + settings.socket() + " is too slow or hung",
                cause);
    }

    private ConnectionPool.Entry lease(Call call) {
        try {
            return pool.lease(acquireNanos);
        } catch (ConnectionPool.ExhaustedException e) {
            throw new DockerTimeoutException(
                    call.toString(),
                    "no pooled connection free within "
                            + settings.acquireTimeout().toMillis()
                            + " ms: " + e.leased + " of " + e.max + " connections are in use"
                            + streamOwners() + "; close streams and responses you are done with, or raise poolSize",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DockerException(call.toString(), 0, "interrupted while waiting for a pooled connection", e);
        } catch (IllegalStateException e) {
            throw closedError(call);
        } catch (IOException e) {
            throw ioError(call, e);
        }
    }

    private ClassicHttpResponse exchange(Call call, ClassicHttpRequest request, ConnectionPool.Entry c)
            throws IOException {
        ManagedHttpClientConnection conn = c.connection;
        conn.setSocketTimeout(call.readTimeout() == null ? readTimeout : Timeout.of(call.readTimeout()));
        try {
            return executor.execute(request, conn, c.context);
        } catch (HttpException e) {
            throw new MalformedHttpException(e);
        }
    }

    void forget(StreamHandle h) {
        streams.remove(h);
    }

    void discard(ConnectionPool.Entry c) {
        pool.release(c, false);
    }

    private ClassicHttpRequest request(Call call) {
        BasicClassicHttpRequest r = new BasicClassicHttpRequest(call.method(), null, call.path());
        r.addHeader(HOST);
        r.addHeader(userAgent);
        if (call.jsonBody() != null) {
            r.addHeader(JSON);
            r.addHeader(new BasicHeader(HttpHeaders.CONTENT_LENGTH, call.jsonBody().length));
            r.setEntity(new ByteArrayEntity(call.jsonBody(), ContentType.APPLICATION_JSON));
        } else if (call.tarBody() != null) {
            r.addHeader(TAR);
            r.addHeader(CHUNKED);
            r.setEntity(new InputStreamEntity(call.tarBody(), -1, ContentType.create("application/x-tar")));
        }
        if (settings.oneShot()) {
            r.addHeader(CONNECTION_CLOSE);
        }
        return r;
    }

    // Keep-alive per HTTP/1.1: reusable unless the engine (or one-shot mode) says close, the engine
    // speaks HTTP/1.0, or the body ran to the end of the connection.
    private boolean reusable(ClassicHttpResponse response) {
        if (settings.oneShot()) {
            return false;
        }
        ProtocolVersion v = response.getVersion();
        if (v != null && v.lessEquals(HttpVersion.HTTP_1_0)) {
            return false;
        }
        String connection = header(response.getHeaders(), HttpHeaders.CONNECTION);
        if (connection != null && connection.toLowerCase(java.util.Locale.ROOT).contains("close")) {
            return false;
        }
        HttpEntity e = response.getEntity();
        return e == null || e.isChunked() || e.getContentLength() >= 0;
    }

    // Writing the request into a connection the engine had closed: the request did not get through.
    private static boolean brokenPipe(IOException e) {
        return String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("broken pipe");
    }

    // A reused connection the engine closed while it was idle fails before any response byte.
    private static boolean stale(IOException e) {
        if (e instanceof NoHttpResponseException) {
            return true;
        }
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return !(e instanceof java.net.ConnectException)
                && (m.contains("broken pipe") || m.contains("connection reset"));
    }

    private static Header formatted(String name, String value) {
        CharArrayBuffer line = new CharArrayBuffer(name.length() + 2 + value.length());
        line.append(name);
        line.append(": ");
        line.append(value);
        return BufferedHeader.create(line);
    }

    static String header(Header[] headers, String name) {
        for (Header h : headers) {
            if (h.getName().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    private void ensureOpen(Call call) {
        if (closed.get()) {
            throw closedError(call);
        }
    }

    private IllegalStateException closedError(Call call) {
        return new IllegalStateException(call + ": this DockerClient was closed (created at " + createdAt + ")");
    }

    /** Evicts idle connections older than the idle timeout; called by the reaper every tick. */
    public void evictIdle() {
        if (!closed.get()) {
            pool.evictIdle();
        }
    }

    /** Connections held: leased (streams included) plus idle. */
    public int openConnections() {
        return pool.open();
    }

    /** Streams currently open. */
    public int openStreams() {
        return streams.size();
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Closes every open stream and every pooled connection; later calls fail fast. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            for (StreamHandle h : List.copyOf(streams)) {
                h.close();
            }
        } finally {
            pool.close();
        }
    }

    // ---- errors

    /** Maps an error status to its typed exception, quoting the engine's {@code message}. */
    public static DockerException statusError(Call call, int status, byte[] body) {
        String message = Json.engineMessage(body);
        return switch (status) {
            case 400 -> new DockerBadRequestException(call.toString(), status, message);
            case 404 -> new DockerNotFoundException(call.toString(), status, message);
            case 409 -> new DockerConflictException(call.toString(), status, message);
            default ->
                status >= 500
                        ? new DockerServerException(call.toString(), status, message)
                        : new DockerException(call.toString(), status, message, null);
        };
    }

    /** Maps an I/O failure of a call to unavailable, timeout or interrupted. */
    public DockerException ioError(Call call, IOException e) {
        String c = call.toString();
        if (e instanceof UnixSocketAdapter.ConnectTimeoutException) {
            return new DockerTimeoutException(
                    c,
                    "could not connect to the engine at " + settings.socket() + " within "
                            + settings.connectTimeout().toMillis()
                            + " ms (connect timeout): it does not accept connections "
                            + "(its listen backlog is full: the engine is overloaded or hung)",
                    e);
        }
        if (e instanceof MalformedHttpException m) {
            return new MalformedResponseException(
                    c, "the engine's response is not valid HTTP: " + m.getMessage(), m.getCause());
        }
        if (e instanceof SocketTimeoutException) {
            Duration t = call.readTimeout() != null ? call.readTimeout() : settings.readTimeout();
            return new DockerTimeoutException(
                    c, "no response from the engine within " + t.toMillis() + " ms (read timeout)", e);
        }
        if (e instanceof InterruptedIOException) {
            Thread.currentThread().interrupt();
            return new DockerException(c, 0, "interrupted", e);
        }
        if (closed.get()) {
            return new DockerException(c, 0, "the DockerClient was closed during the call", e);
        }
        return unavailable(c, settings.socket(), e);
    }

    private String streamOwners() {
        if (streams.isEmpty()) {
            return "";
        }
        List<String> owners = new ArrayList<>();
        for (StreamHandle h : streams) {
            if (owners.size() == 5) {
                owners.add("...");
                break;
            }
            owners.add(h.describe());
        }
        return " (" + streams.size() + " held by open streams: " + String.join(", ", owners) + ")";
    }

    /** Why the engine could not be reached, and the remedy. */
    public static DockerUnavailableException unavailable(String call, Path socket, IOException e) {
        String msg = String.valueOf(e.getMessage());
        String why;
        if (!Files.exists(socket)) {
            why = "the engine's socket " + socket
                    + " does not exist: is dockerd running? (point DOCKER_HOST=unix:///path or --host at the right socket)";
        } else if (msg.contains("Permission denied") || msg.contains("EACCES")) {
            why = "permission denied on " + socket
                    + ": run as root or as a member of the socket's group (usually 'docker')";
        } else if (msg.contains("refused") || msg.contains("ECONNREFUSED")) {
            why = "nothing accepts connections on " + socket
                    + " (dockerd stopped or restarting): start dockerd and retry";
        } else if (e instanceof NoHttpResponseException || e instanceof ConnectionClosedException) {
            why = "the engine at " + socket + " closed the connection without a complete response (restarting?): "
                    + msg;
        } else {
            why = "lost the connection to the engine at " + socket + ": "
                    + e.getClass().getSimpleName() + ": " + msg;
        }
        return new DockerUnavailableException(call, why, e);
    }

    // An HTTP protocol error, carried through the I/O path.
    private static final class MalformedHttpException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedHttpException(HttpException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
