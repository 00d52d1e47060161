package dev.hostkit.docker.internal;

import dev.hostkit.docker.internal.HttpEngine.Call;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BufferedHeader;
import org.apache.hc.core5.util.CharArrayBuffer;

import java.util.Locale;

// The HTTP side of one call: the request as the engine needs it (pre-formatted headers, JSON or chunked tar body)
// and whether its response leaves the connection reusable.
final class HttpRequests {
    // The engine ignores Host, but HTTP/1.1 requires one.
    // Pre-formatted: httpcore writes a BufferedHeader's line as it is instead of formatting it per request.
    private static final Header HOST = formatted(HttpHeaders.HOST, "docker");
    private static final Header CONNECTION_CLOSE = formatted(HttpHeaders.CONNECTION, "close");
    private static final Header CHUNKED = formatted(HttpHeaders.TRANSFER_ENCODING, "chunked");
    private static final Header JSON = formatted(HttpHeaders.CONTENT_TYPE, "application/json");
    private static final Header TAR = formatted(HttpHeaders.CONTENT_TYPE, "application/x-tar");

    private final Header userAgent;
    private final boolean oneShot;

    HttpRequests(String userAgent, boolean oneShot) {
        this.userAgent = formatted(HttpHeaders.USER_AGENT, userAgent);
        this.oneShot = oneShot;
    }

    ClassicHttpRequest request(Call call) {
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
        if (oneShot) {
            r.addHeader(CONNECTION_CLOSE);
        }
        return r;
    }

    // Keep-alive per HTTP/1.1: reusable unless the engine (or one-shot mode) says close, the engine
    // speaks HTTP/1.0, or the body ran to the end of the connection.
    boolean reusable(ClassicHttpResponse response) {
        if (oneShot) {
            return false;
        }
        ProtocolVersion v = response.getVersion();
        if (v != null && v.lessEquals(HttpVersion.HTTP_1_0)) {
            return false;
        }
        String connection = header(response.getHeaders(), HttpHeaders.CONNECTION);
        if (connection != null && connection.toLowerCase(Locale.ROOT).contains("close")) {
            return false;
        }
        HttpEntity e = response.getEntity();
        return e == null || e.isChunked() || e.getContentLength() >= 0;
    }

    static String header(Header[] headers, String name) {
        for (Header h : headers) {
            if (h.getName().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    private static Header formatted(String name, String value) {
        CharArrayBuffer line = new CharArrayBuffer(name.length() + 2 + value.length());
        line.append(name);
        line.append(": ");
        line.append(value);
        return BufferedHeader.create(line);
    }
}
