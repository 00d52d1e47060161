package dev.hostkit.docker;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hostkit.core.internal.LeakWatch;
import dev.hostkit.docker.internal.MalformedResponseException;
import dev.hostkit.docker.internal.StreamHandle;

import java.io.IOException;
import java.lang.ref.Reference;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A live stream from the engine (events, followed logs, stats) that holds one connection until closed.
 * {@link #close()} may be called from any thread: a {@link #next()} blocked in another thread returns
 * {@code null} promptly and the connection is closed, never returned to the pool. A stream dropped
 * without close() is closed once it is garbage-collected, with a warning naming where it was opened.
 *
 * @param <T> the item type
 */
public final class DockerStream<T> implements AutoCloseable, Iterable<T> {
    /** Reads the next item from the body, or returns null at its end. */
    interface Decoder<T> {
        T next() throws IOException;
    }

    private final DockerClient owner; // keeps the client reachable while its stream is
    private final StreamHandle handle;
    private final Decoder<T> decoder;
    private final LeakWatch.Watch leak;

    DockerStream(DockerClient owner, StreamHandle handle, Decoder<T> decoder) {
        this.owner = owner;
        this.handle = handle;
        this.decoder = decoder;
        this.leak = LeakWatch.watch(
                this,
                "DockerStream (" + handle.what() + ")",
                "Close streams with try-with-resources.",
                DockerClient::isLibraryFrame,
                handle::close);
        handle.openedAt(leak.site());
    }

    /**
     * Blocks for the next item.
     *
     * @return the item, or {@code null} when the engine ended the stream or it was closed
     * @throws DockerException when the connection failed (e.g. the engine restarted) or sent garbage
     */
    public T next() {
        if (handle.isClosed()) {
            return null;
        }
        try {
            T item = decoder.next();
            if (item == null) {
                close();
            }
            return item;
        } catch (IOException e) {
            if (handle.isClosed()) {
                return null;
            }
            close();
            if (e instanceof JsonProcessingException j) {
                throw new MalformedResponseException(
                        handle.call().toString(), "malformed JSON in the stream: " + j.getOriginalMessage(), e);
            }
            throw handle.engine().ioError(handle.call(), e);
        } catch (RuntimeException e) {
            if (handle.isClosed()) {
                return null;
            }
            close();
            throw e;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Whether the stream is closed (by {@link #close()}, its end, an error or its client). */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Closes the stream and its connection; idempotent, safe from any thread. */
    @Override
    public void close() {
        leak.closed();
        handle.close();
        Reference.reachabilityFence(owner);
    }

    /** Iterates until the stream ends or is closed; {@code hasNext()} blocks. */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private T ahead;

            @Override
            public boolean hasNext() {
                if (ahead == null) {
                    ahead = DockerStream.this.next();
                }
                return ahead != null;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the stream ended");
                }
                T t = ahead;
                ahead = null;
                return t;
            }
        };
    }

    @Override
    public String toString() {
        return "DockerStream[" + handle.call() + (isClosed() ? ", closed]" : "]");
    }
}
