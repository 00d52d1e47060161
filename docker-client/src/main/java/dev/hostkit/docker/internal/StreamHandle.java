package dev.hostkit.docker.internal;

import org.apache.hc.core5.http.Header;

import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The open body of a streaming response (events, followed logs, stats) and the connection under it.
 * {@link #close()} is safe from any thread: it closes the connection, whose socket is shut down first
 * (waking a blocked reader at once), so closing never drains an endless body. The connection is
 * discarded, never returned to the pool half-read.
 */
public final class StreamHandle implements AutoCloseable {

    private final HttpEngine engine;
    private final HttpEngine.Call call;
    private final String what;
    private final ConnectionPool.Entry connection;
    private final InputStream body;
    private final Header[] headers;
    private volatile String openedAt = "unknown";
    private final AtomicBoolean closed = new AtomicBoolean();

    StreamHandle(
            HttpEngine engine,
            HttpEngine.Call call,
            String what,
            ConnectionPool.Entry connection,
            InputStream body,
            Header[] headers) {
        this.engine = engine;
        this.call = call;
        this.what = what;
        this.connection = connection;
        this.body = body;
        this.headers = headers;
    }

    /** The response body. */
    public InputStream body() {
        return body;
    }

    /** A response header (name case-insensitive), or null. */
    public String header(String name) {
        return HttpRequests.header(headers, name);
    }

    /** The call that opened the stream. */
    public HttpEngine.Call call() {
        return call;
    }

    /** The engine this stream belongs to. */
    public HttpEngine engine() {
        return engine;
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return closed.get();
    }

    /** What the stream is ("events"), for messages. */
    public String what() {
        return what;
    }

    /** Records where the stream was opened (the user's frame), for the pool-exhaustion message. */
    public void openedAt(String site) {
        this.openedAt = site;
    }

    String describe() {
        return what + " opened at " + openedAt;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            engine.discard(connection);
        } finally {
            engine.forget(this);
        }
    }
}
