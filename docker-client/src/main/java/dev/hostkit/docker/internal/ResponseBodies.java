package dev.hostkit.docker.internal;

import dev.hostkit.core.Printable;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerResponseTooLargeException;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads response bodies without trusting their size: a body is read up to a limit and never
 * allocated from its {@code Content-Length}; what is over the limit is refused, and an error body
 * is only ever read as far as a message needs. A body read short of its end is left unread: its
 * connection is discarded, never drained (draining a huge or dripping body is what is avoided).
 */
final class ResponseBodies {
    /** How much of an error body is read: the engine's {@code {"message":...}} fits many times over. */
    static final int ERROR_BODY_BYTES = 64 * 1024;

    private ResponseBodies() {}

    /**
     * A body or its first part.
     *
     * @param bytes what was read
     * @param complete whether the body was read to its end (the connection may then be reused)
     */
    record Body(byte[] bytes, boolean complete) {}

    /**
     * The whole body, at most {@code limit} bytes.
     *
     * @throws DockerResponseTooLargeException when the body is (or announces to be) longer than {@code limit}
     */
    static byte[] readBounded(HttpEngine.Call call, HttpEntity entity, long limit) throws IOException {
        long declared = entity.getContentLength();
        if (declared > limit) {
            throw new DockerResponseTooLargeException(call.toString(), declared, limit);
        }
        Body b = readUpTo(entity, limit);
        if (!b.complete()) {
            throw new DockerResponseTooLargeException(call.toString(), -1, limit);
        }
        return b.bytes();
    }

    /** At most {@code max} bytes of the body; complete when the body ended within them. */
    static Body readUpTo(HttpEntity entity, long max) throws IOException {
        InputStream in = entity.getContent();
        int cap = (int) Math.min(Integer.MAX_VALUE - 16, max);
        // readNBytes grows in 8 KiB steps: nothing is allocated for bytes that did not arrive.
        byte[] bytes = in.readNBytes(cap);
        if (bytes.length == cap && in.read() >= 0) {
            return new Body(bytes, false);
        }
        in.close(); // at the end already: lets httpcore mark the response consumed
        return new Body(bytes, true);
    }

    /** A 3xx: the engine never redirects, so something else answered; named with where it pointed. */
    static DockerException redirect(HttpEngine.Call call, ClassicHttpResponse response) {
        String location = HttpRequests.header(response.getHeaders(), HttpHeaders.LOCATION);
        return new DockerException(
                call.toString(),
                response.getCode(),
                location == null
                        ? "unexpected redirect without a Location (the engine never redirects: is something else listening on its socket?)"
                        : "unexpected redirect to " + Printable.escape(location, 200),
                null);
    }
}
