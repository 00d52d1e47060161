package dev.hostkit.docker.internal;

import dev.hostkit.docker.DockerBadRequestException;
import dev.hostkit.docker.DockerConflictException;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerNotFoundException;
import dev.hostkit.docker.DockerServerException;
import dev.hostkit.docker.DockerTimeoutException;
import dev.hostkit.docker.DockerUnavailableException;
import org.apache.hc.client5.http.ConnectionKeepAliveStrategy;
import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.io.HttpClientConnectionOperator;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.net.NamedEndpoint;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * HTTP/1.1 to one engine over its unix socket: Apache HttpClient 5 classic with a bounded pool whose
 * connections are {@link UnixSocketAdapter}s. Every non-streaming call reads and releases its
 * response on every path; streams are tracked until closed so {@link #close()} can end them.
 * Failures come out as typed {@link DockerException}s.
 */
public final class HttpEngine implements AutoCloseable {
    // Any name will do: the engine ignores Host, and the connection operator never resolves it.
    private static final HttpHost TARGET = new HttpHost("http", "docker", 80);

    /** Everything the engine needs to know; validated by the public builder. */
    public record Settings(Path socket, UnixTransport transport, int poolSize, Duration idleTimeout,
                           Duration connectTimeout, Duration readTimeout, Duration acquireTimeout,
                           boolean oneShot, String userAgent) {
    }

    /** A fully read response. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** A header (case-insensitive name), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One request; body null for none. */
    public record Call(String method, String path, byte[] jsonBody, InputStream tarBody, Duration readTimeout) {
        /** A call without body and with the default read timeout. */
        public static Call of(String method, String path) {
            return new Call(method, path, null, null, null);
        }

        /** The call with a JSON body. */
        public Call withJson(byte[] json) {
            return new Call(method, path, json, tarBody, readTimeout);
        }

        /** The call with its own read timeout (zero: none). */
        public Call withReadTimeout(Duration timeout) {
            return new Call(method, path, jsonBody, tarBody, timeout);
        }

        @Override
        public String toString() {
            int q = path.indexOf('?');
            return method + " " + (q < 0 ? path : path.substring(0, q));
        }
    }

    private final Settings settings;
    private final PoolingHttpClientConnectionManager pool;
    private final CloseableHttpClient http;
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
        this.pool = new PoolingHttpClientConnectionManager(new UnixOperator(settings.socket(), settings.transport()),
                PoolConcurrencyPolicy.STRICT, PoolReusePolicy.LIFO, TimeValue.NEG_ONE_MILLISECOND, null);
        pool.setMaxTotal(settings.poolSize());
        pool.setDefaultMaxPerRoute(settings.poolSize());
        pool.setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(Timeout.of(settings.connectTimeout()))
                .setSocketTimeout(Timeout.of(settings.readTimeout()))
                // A pooled connection idle for a while is checked (a 1 ms read) before reuse: the
                // engine may have closed it or restarted meanwhile.
                .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                .build());
        HttpClientBuilder b = HttpClientBuilder.create()
                .setConnectionManager(pool)
                .setUserAgent(settings.userAgent())
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableContentCompression()
                .disableAuthCaching()
                .disableConnectionState()
                .setRetryStrategy(new StaleConnectionRetry())
                .setKeepAliveStrategy(keepAlive(settings))
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(Timeout.of(settings.acquireTimeout()))
                        .setResponseTimeout(Timeout.of(settings.readTimeout()))
                        .build());
        if (settings.oneShot()) {
            b.setConnectionReuseStrategy((request, response, context) -> false);
        }
        this.http = b.build();
    }

    // A connection is never reused after the idle timeout, and the reaper closes it within a tick.
    private static ConnectionKeepAliveStrategy keepAlive(Settings s) {
        TimeValue idle = TimeValue.of(s.idleTimeout());
        return (response, context) -> idle;
    }

    /** The settings this engine was built with. */
    public Settings settings() {
        return settings;
    }

    /**
     * Sends a request and reads the whole response; a status of 400 or above becomes a typed exception.
     *
     * @param call the request
     * @return status, headers and body
     */
    public Response send(Call call) {
        ensureOpen(call);
        HttpUriRequestBase request = request(call);
        try {
            return http.execute(TARGET, request, context(call), response -> {
                byte[] body = response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity());
                Response r = new Response(response.getCode(), headers(response), body);
                if (r.status() >= 400) {
                    throw new StatusFailure(r);
                }
                return r;
            });
        } catch (StatusFailure f) {
            throw statusError(call, f.response.status(), f.response.body());
        } catch (IOException e) {
            throw ioError(call, e);
        }
    }

    /**
     * Sends a request and hands back the open response body; the caller must close the handle.
     *
     * @param call the request (its read timeout applies to each read of the stream)
     * @param what what the stream is, for leak reports
     * @return the open stream
     */
    public StreamHandle open(Call call, String what) {
        ensureOpen(call);
        HttpUriRequestBase request = request(call);
        ClassicHttpResponse response;
        try {
            response = http.executeOpen(TARGET, request, context(call));
        } catch (IOException e) {
            throw ioError(call, e);
        }
        try {
            if (response.getCode() >= 400) {
                byte[] body = response.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(response.getEntity());
                throw statusError(call, response.getCode(), body);
            }
            HttpEntity entity = response.getEntity();
            InputStream body = entity == null ? InputStream.nullInputStream() : entity.getContent();
            StreamHandle h = new StreamHandle(this, call, what, request, response, body, headers(response));
            streams.add(h);
            if (closed.get()) {
                h.close();
                throw closedError(call);
            }
            return h;
        } catch (IOException e) {
            request.cancel();
            closeQuietly(response);
            throw ioError(call, e);
        } catch (RuntimeException e) {
            request.cancel();
            closeQuietly(response);
            throw e;
        }
    }

    void forget(StreamHandle h) {
        streams.remove(h);
    }

    static void closeQuietly(ClassicHttpResponse response) {
        try {
            response.close();
        } catch (IOException | RuntimeException ignored) {
            // The connection was cancelled first; the rest of the body is not wanted.
        }
    }

    private HttpUriRequestBase request(Call call) {
        HttpUriRequestBase r = new HttpUriRequestBase(call.method(), java.net.URI.create(call.path()));
        if (call.jsonBody() != null) {
            r.setEntity(new ByteArrayEntity(call.jsonBody(), ContentType.APPLICATION_JSON));
        } else if (call.tarBody() != null) {
            r.setEntity(new InputStreamEntity(call.tarBody(), -1, ContentType.create("application/x-tar")));
        }
        if (settings.oneShot()) {
            r.setHeader(HttpHeaders.CONNECTION, "close");
        }
        return r;
    }

    private HttpClientContext context(Call call) {
        HttpClientContext ctx = HttpClientContext.create();
        if (call.readTimeout() != null) {
            ctx.setRequestConfig(RequestConfig.custom()
                    .setConnectionRequestTimeout(Timeout.of(settings.acquireTimeout()))
                    .setResponseTimeout(Timeout.of(call.readTimeout()))
                    .build());
        }
        return ctx;
    }

    private static Map<String, String> headers(HttpResponse response) {
        Map<String, String> m = new TreeMap<>();
        for (Header h : response.getHeaders()) {
            m.put(h.getName().toLowerCase(Locale.ROOT), h.getValue());
        }
        return m;
    }

    private void ensureOpen(Call call) {
        if (closed.get()) {
            throw closedError(call);
        }
    }

    private IllegalStateException closedError(Call call) {
        return new IllegalStateException(call + ": this DockerClient was closed (created at " + createdAt + ")");
    }

    /** Evicts expired and idle connections; called by the reaper every tick. */
    public void evictIdle() {
        if (!closed.get()) {
            pool.closeExpired();
            pool.closeIdle(TimeValue.of(settings.idleTimeout()));
        }
    }

    /** Connections leased plus idle in the pool. */
    public PoolStats poolStats() {
        return pool.getTotalStats();
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
        for (StreamHandle h : List.copyOf(streams)) {
            h.close();
        }
        try {
            http.close(CloseMode.IMMEDIATE);
        } finally {
            pool.close(CloseMode.IMMEDIATE);
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
            default -> status >= 500
                    ? new DockerServerException(call.toString(), status, message)
                    : new DockerException(call.toString(), status, message, null);
        };
    }

    /** Maps an I/O failure of a call to unavailable, timeout or interrupted. */
    public DockerException ioError(Call call, IOException e) {
        String c = call.toString();
        if (e instanceof org.apache.hc.core5.http.ConnectionRequestTimeoutException) {
            PoolStats s = pool.getTotalStats();
            return new DockerTimeoutException(c, "no pooled connection free within " + settings.acquireTimeout().toMillis()
                    + " ms: " + s.getLeased() + " of " + s.getMax() + " connections are in use"
                    + streamOwners() + "; close streams and responses you are done with, or raise poolSize", e);
        }
        if (e instanceof SocketTimeoutException) {
            Duration t = call.readTimeout() != null ? call.readTimeout() : settings.readTimeout();
            return new DockerTimeoutException(c, "no response from the engine within " + t.toMillis() + " ms (read timeout)", e);
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
            why = "the engine's socket " + socket + " does not exist: is dockerd running? (point DOCKER_HOST=unix:///path or --host at the right socket)";
        } else if (msg.contains("Permission denied") || msg.contains("EACCES")) {
            why = "permission denied on " + socket + ": run as root or as a member of the socket's group (usually 'docker')";
        } else if (msg.contains("refused") || msg.contains("ECONNREFUSED")) {
            why = "nothing accepts connections on " + socket + " (dockerd stopped or restarting): start dockerd and retry";
        } else if (e instanceof NoHttpResponseException || e instanceof ConnectionClosedException) {
            why = "the engine at " + socket + " closed the connection without a complete response (restarting?): " + msg;
        } else {
            why = "lost the connection to the engine at " + socket + ": " + e.getClass().getSimpleName() + ": " + msg;
        }
        return new DockerUnavailableException(call, why, e);
    }

    private static final class StatusFailure extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Response response;

        StatusFailure(Response response) {
            super("status " + response.status());
            this.response = response;
        }
    }

    // Retries once, for idempotent methods only, when a pooled connection turned out dead before any
    // response arrived (the engine closed it while idle, or restarted).
    private static final class StaleConnectionRetry implements HttpRequestRetryStrategy {
        @Override
        public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
            String m = request.getMethod();
            boolean idempotent = m.equals("GET") || m.equals("HEAD");
            boolean stale = exception instanceof NoHttpResponseException
                    || (!(exception instanceof java.net.ConnectException)
                        && String.valueOf(exception.getMessage()).matches("(?i).*(broken pipe|connection reset).*"));
            return idempotent && stale && execCount <= 1;
        }

        @Override
        public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
            return false;
        }

        @Override
        public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
            return TimeValue.ZERO_MILLISECONDS;
        }

        @Override
        public TimeValue getRetryInterval(HttpRequest request, IOException exception, int execCount, HttpContext context) {
            return TimeValue.ZERO_MILLISECONDS;
        }
    }

    // Connects every route to the engine's unix socket; no DNS, no TCP.
    private static final class UnixOperator implements HttpClientConnectionOperator {
        private final Path socket;
        private final UnixTransport transport;

        UnixOperator(Path socket, UnixTransport transport) {
            this.socket = socket;
            this.transport = transport;
        }

        @Override
        public void connect(ManagedHttpClientConnection conn, HttpHost host, InetSocketAddress localAddress,
                            TimeValue connectTimeout, SocketConfig socketConfig, HttpContext context) throws IOException {
            UnixSocketAdapter s = UnixSocketAdapter.connect(transport, socket);
            if (socketConfig != null && socketConfig.getSoTimeout() != null && socketConfig.getSoTimeout().isEnabled()) {
                s.setSoTimeout(socketConfig.getSoTimeout().toMillisecondsIntBound());
            }
            conn.bind(s);
        }

        @Override
        public void connect(ManagedHttpClientConnection conn, HttpHost host, NamedEndpoint endpointName,
                            InetSocketAddress localAddress, Timeout connectTimeout, SocketConfig socketConfig,
                            Object attachment, HttpContext context) throws IOException {
            connect(conn, host, localAddress, connectTimeout, socketConfig, context);
        }

        @Override
        public void connect(ManagedHttpClientConnection conn, HttpHost host, NamedEndpoint endpointName, Path unixDomainSocket,
                            InetSocketAddress localAddress, Timeout connectTimeout, SocketConfig socketConfig,
                            Object attachment, HttpContext context) throws IOException {
            connect(conn, host, localAddress, connectTimeout, socketConfig, context);
        }

        @Override
        public void upgrade(ManagedHttpClientConnection conn, HttpHost host, HttpContext context) throws IOException {
            throw new IOException("TLS is not used on a unix socket");
        }
    }
}
