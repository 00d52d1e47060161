// Over 400 lines: the public Call, Response and Settings records live here; the work is the send and open loops.
package dev.hostkit.docker.internal;

import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerUnavailableException;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.impl.io.HttpRequestExecutor;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
    private static final byte[] NO_BODY = EngineErrors.NO_BODY;
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
            return HttpRequests.header(headers, name);
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
    private final HttpRequests requests;
    private final EngineErrors errors;
    private final Timeout readTimeout;
    private final long acquireNanos;
    private final Set<StreamHandle> streams = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param settings where and how to connect
     * @param createdAt where the owning client was created, for error messages
     */
    public HttpEngine(Settings settings, String createdAt) {
        this.settings = settings;
        this.requests = new HttpRequests(settings.userAgent(), settings.oneShot());
        this.errors = new EngineErrors(settings, createdAt);
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
        ClassicHttpRequest request = requests.request(call);
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
                        throw errors.deadline(call, deadlineMillis, 0, null);
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
                    reusable = b.complete() && requests.reusable(response);
                    throw EngineErrors.status(call, status, b.bytes());
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
                        throw errors.deadline(call, deadlineMillis, socket.bytesRead() - bytesBefore, null);
                    }
                }
                reusable = requests.reusable(response);
                return new Response(call.toString(), status, response.getHeaders(), body);
            } catch (IOException e) {
                boolean expired = token != 0 && !socket.endCallDeadline(token);
                token = 0;
                long arrived = socket.bytesRead() - bytesBefore;
                if (expired) {
                    throw errors.deadline(call, deadlineMillis, arrived, e);
                }
                // Only a reused connection that died before a single response byte may be tried again.
                if (RetryPolicy.mayResend(call, c.fresh, arrived, e)) {
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
        ClassicHttpRequest request = requests.request(call);
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
                        throw errors.deadline(call, deadlineMillis, socket.bytesRead() - bytesBefore, null);
                    }
                }
                if (response.getCode() >= 300) {
                    throw EngineErrors.status(call, response);
                }
                HttpEntity entity = response.getEntity();
                InputStream body = entity == null ? InputStream.nullInputStream() : entity.getContent();
                StreamHandle h = new StreamHandle(this, call, what, c, body, response.getHeaders());
                handedOver = true;
                streams.add(h);
                if (closed.get()) {
                    h.close();
                    throw errors.closed(call);
                }
                return h;
            } catch (IOException e) {
                if (token != 0 && !socket.endCallDeadline(token)) {
                    throw errors.deadline(call, deadlineMillis, socket.bytesRead() - bytesBefore, e);
                }
                token = 0;
                if (RetryPolicy.mayResendStream(c.fresh, socket.bytesRead() - bytesBefore, e)) {
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

    private ConnectionPool.Entry lease(Call call) {
        try {
            return pool.lease(acquireNanos);
        } catch (ConnectionPool.ExhaustedException e) {
            throw errors.poolExhausted(call, e, streamOwners());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DockerException(call.toString(), 0, "interrupted while waiting for a pooled connection", e);
        } catch (IllegalStateException e) {
            throw errors.closed(call);
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
            throw new EngineErrors.MalformedHttpException(e);
        }
    }

    void forget(StreamHandle h) {
        streams.remove(h);
    }

    void discard(ConnectionPool.Entry c) {
        pool.release(c, false);
    }

    private void ensureOpen(Call call) {
        if (closed.get()) {
            throw errors.closed(call);
        }
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
        return EngineErrors.status(call, status, body);
    }

    /** Maps an I/O failure of a call to unavailable, timeout or interrupted. */
    public DockerException ioError(Call call, IOException e) {
        return errors.io(call, e, closed.get());
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
        return EngineErrors.unavailable(call, socket, e);
    }
}
