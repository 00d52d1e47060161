package dev.hostkit.docker.internal;

import org.apache.hc.core5.http.NoHttpResponseException;

import java.io.IOException;
import java.net.ConnectException;
import java.util.Locale;

// When HttpEngine may send a failed call again: only on a reused pooled connection the engine had closed while it was
// idle, and only when not a single response byte arrived, so the engine never acts on a request twice and a caller
// never sees the same bytes twice.
final class RetryPolicy {
    private RetryPolicy() {}

    // A GET or HEAD whose reused connection died before any response byte.
    static boolean mayResend(HttpEngine.Call call, boolean freshConnection, long bytesArrived, IOException e) {
        return !freshConnection && call.idempotent() && bytesArrived == 0 && stale(e);
    }

    // A stream request whose write broke the pipe of a stale pooled connection: the engine never got it. A request
    // the engine may have read (the connection closed after it, no answer) is never sent twice.
    static boolean mayResendStream(boolean freshConnection, long bytesArrived, IOException e) {
        return !freshConnection && bytesArrived == 0 && brokenPipe(e);
    }

    // Writing the request into a connection the engine had closed: the request did not get through.
    private static boolean brokenPipe(IOException e) {
        return String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("broken pipe");
    }

    // A reused connection the engine closed while it was idle fails before any response byte.
    private static boolean stale(IOException e) {
        if (e instanceof NoHttpResponseException) {
            return true;
        }
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return !(e instanceof ConnectException) && (m.contains("broken pipe") || m.contains("connection reset"));
    }
}
