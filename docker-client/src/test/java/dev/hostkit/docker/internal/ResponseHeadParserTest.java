package dev.hostkit.docker.internal;

import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.impl.io.SessionInputBufferImpl;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResponseHeadParserTest {
    private static final String PING = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDate: Fri, 27 Nov 2026 21:00:00 GMT\r\n"
            + "Docker-Experimental: false\r\nContent-Length: 0\r\n\r\n";

    private final ResponseHeadParser parser = new ResponseHeadParser();
    private final SessionInputBufferImpl buffer = new SessionInputBufferImpl(8192);

    private ClassicHttpResponse parse(InputStream in) throws Exception {
        return parser.parse(buffer, in);
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsStatusAndHeadersAndReusesEqualLinesOfTheNextResponseOnly() throws Exception {
        InputStream in = bytes(PING + PING.replace("21:00:00", "21:00:01").replace("200 OK", "404 Not Found"));
        ClassicHttpResponse first = parse(in);
        ClassicHttpResponse second = parse(in);
        assertThat(first.getCode()).isEqualTo(200);
        assertThat(first.getFirstHeader("API-VERSION").getValue()).isEqualTo("1.41");
        assertThat(first.getFirstHeader("Date").getValue()).isEqualTo("Fri, 27 Nov 2026 21:00:00 GMT");
        assertThat(second.getCode()).isEqualTo(404);
        assertThat(second.getFirstHeader("Date").getValue()).isEqualTo("Fri, 27 Nov 2026 21:00:01 GMT");
        assertThat(second.getFirstHeader("Api-Version")).isSameAs(first.getFirstHeader("Api-Version"));
        assertThat(second.getHeaders()).hasSize(4);
    }

    @Test
    void trimsValuesAndRefusesNamesWithBlanksOrWithoutColon() throws Exception {
        assertThat(parse(bytes("HTTP/1.1 200 OK\r\nX-A:   v w  \r\n\r\n"))
                        .getFirstHeader("X-A")
                        .getValue())
                .isEqualTo("v w");
        assertThatThrownBy(() -> parse(bytes("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")))
                .isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> parse(bytes("HTTP/1.1 200 OK\r\nno colon\r\n\r\n")))
                .isInstanceOf(ParseException.class);
        assertThatThrownBy(() -> parse(bytes("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n")))
                .isInstanceOf(ParseException.class);
    }

    @Test
    void endOfStreamBeforeTheStatusLineIsNoResponseAndInTheHeadersIsClosed() {
        assertThatThrownBy(() -> parse(bytes(""))).isInstanceOf(NoHttpResponseException.class);
        assertThatThrownBy(() -> parse(bytes("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n")))
                .isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void refusesAGarbageStatusLine() {
        assertThatThrownBy(() -> parse(bytes("SSH-2.0-OpenSSH\r\n\r\n"))).isInstanceOf(ParseException.class);
    }
}
