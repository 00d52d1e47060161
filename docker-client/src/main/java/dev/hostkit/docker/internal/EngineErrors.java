package dev.hostkit.docker.internal;

import dev.hostkit.docker.DockerBadRequestException;
import dev.hostkit.docker.DockerConflictException;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerNotFoundException;
import dev.hostkit.docker.DockerServerException;
import dev.hostkit.docker.DockerTimeoutException;
import dev.hostkit.docker.DockerUnavailableException;
import dev.hostkit.docker.internal.HttpEngine.Call;
import dev.hostkit.docker.internal.HttpEngine.Settings;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.NoHttpResponseException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

// HttpEngine's failures as typed DockerExceptions that say what failed, on which socket, and what to do about it.
final class EngineErrors {
    static final byte[] NO_BODY = new byte[0];

    private final Settings settings;
    private final String createdAt;

    EngineErrors(Settings settings, String createdAt) {
        this.settings = settings;
        this.createdAt = createdAt;
    }

    // An error status to its typed exception, quoting the engine's message.
    static DockerException status(Call call, int status, byte[] body) {
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

    // An error status (>= 400) or a redirect as its typed exception; at most ERROR_BODY_BYTES of the body are read.
    static DockerException status(Call call, ClassicHttpResponse response) throws IOException {
        int status = response.getCode();
        if (status < 400) {
            return ResponseBodies.redirect(call, response);
        }
        HttpEntity entity = response.getEntity();
        byte[] body = entity == null
                ? NO_BODY
                : ResponseBodies.readUpTo(entity, ResponseBodies.ERROR_BODY_BYTES)
                        .bytes();
        return status(call, status, body);
    }

    DockerTimeoutException deadline(Call call, long deadlineMillis, long bytesArrived, IOException cause) {
        return new DockerTimeoutException(
                call.toString(),
                "did not complete within " + deadlineMillis + " ms (call deadline"
                        + (bytesArrived > 0
                                ? "; " + bytesArrived + " response bytes had arrived"
                                : "; no response byte had arrived")
                        + "): the engine at " + settings.socket() + " is too slow or hung",
                cause);
    }

    DockerTimeoutException poolExhausted(Call call, ConnectionPool.ExhaustedException e, String streamOwners) {
        return new DockerTimeoutException(
                call.toString(),
                "no pooled connection free within "
                        + settings.acquireTimeout().toMillis()
                        + " ms: " + e.leased + " of " + e.max + " connections are in use"
                        + streamOwners + "; close streams and responses you are done with, or raise poolSize",
                e);
    }

    IllegalStateException closed(Call call) {
        return new IllegalStateException(call + ": this DockerClient was closed (created at " + createdAt + ")");
    }

    // An I/O failure of a call as unavailable, timeout or interrupted.
    DockerException io(Call call, IOException e, boolean clientClosed) {
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
        if (clientClosed) {
            return new DockerException(c, 0, "the DockerClient was closed during the call", e);
        }
        return unavailable(c, settings.socket(), e);
    }

    static DockerUnavailableException unavailable(String call, Path socket, IOException e) {
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
    static final class MalformedHttpException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedHttpException(HttpException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
