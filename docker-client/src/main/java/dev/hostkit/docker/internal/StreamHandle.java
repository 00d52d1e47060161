package dev.hostkit.docker.internal;

import org.apache.hc.core5.http.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The open body of a streaming response (events, followed logs, stats) and the connection under it.
 * {@link #close()} is safe from any thread: it closes the connection, whose socket is shut down first
 * (waking a blocked reader at once), so closing never drains an endless body. The connection is
 * discarded, never returned to the pool half-read.
 */
public final class StreamHandle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamHandle.class);

    private final HttpEngine engine;
    private final HttpEngine.Call call;
    private final String what;
    private final ConnectionPool.Entry connection;
    private final InputStream body;
    private final Header[] headers;
    private final Throwable openedAt;
    private final AtomicBoolean closed = new AtomicBoolean();

    StreamHandle(HttpEngine engine, HttpEngine.Call call, String what, ConnectionPool.Entry connection,
                 InputStream body, Header[] headers) {
        this.engine = engine;
        this.call = call;
        this.what = what;
        this.connection = connection;
        this.body = body;
        this.headers = headers;
        this.openedAt = new Throwable("DockerStream (" + what + ") opened here");
    }

    /** The response body. */
    public InputStream body() {
        return body;
    }

    /** A response header (name case-insensitive), or null. */
    public String header(String name) {
        return HttpEngine.header(headers, name);
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

    String describe() {
        return what + " opened at " + CallSite.of(openedAt);
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

    /** Called by the reaper when the stream's owner was collected without close(). */
    public void closeLeaked() {
        if (!closed.get()) {
            LOG.warn("a DockerStream ({}) was garbage-collected without close(); its connection is closed now. "
                    + "Close streams with try-with-resources. It was opened at:", what, openedAt);
            close();
        }
    }
}
