package dev.hostkit.docker.internal;

import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.io.HttpMessageParser;
import org.apache.hc.core5.http.io.SessionInputBuffer;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicLineParser;
import org.apache.hc.core5.http.message.StatusLine;
import org.apache.hc.core5.util.CharArrayBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a response head (status line and headers) from httpcore's session buffer into one reused line
 * buffer, splitting each header line at its first colon. httpcore's own parser keeps a buffer per
 * header line and tokenizes each character; on a small response such as {@code /_ping} that was half
 * of this client's CPU. An engine answers a polled call with the same head every time (only
 * {@code Date} changes, once a second), so each line is first compared with the line at the same
 * position of the previous response and, when equal, its already parsed (immutable) status line or
 * header is reused. One instance per connection (connections are used by one thread at a time).
 * The same input is refused: a header name that is empty or contains blanks, obsolete line folding,
 * too many or too long lines. End of stream before the status line is {@link NoHttpResponseException}
 * (what the stale-connection retry looks for).
 */
final class ResponseHeadParser implements HttpMessageParser<ClassicHttpResponse> {
    private static final int MAX_HEADERS = 200;
    private static final int MAX_LINE = 16 * 1024;
    private static final int MAX_LEADING_EMPTY_LINES = 4;

    private final CharArrayBuffer line = new CharArrayBuffer(128);
    // The previous response's lines, as characters and parsed; index 0 is the status line.
    private char[][] previousLines = new char[16][];
    private Object[] previousParsed = new Object[16];

    @Override
    public ClassicHttpResponse parse(SessionInputBuffer buffer, InputStream in) throws IOException, HttpException {
        int empty = 0;
        do {
            if (readLine(buffer, in) < 0) {
                throw new NoHttpResponseException("the engine closed the connection without a response");
            }
        } while (line.isEmpty() && ++empty <= MAX_LEADING_EMPTY_LINES);
        StatusLine status = (StatusLine) previous(0);
        if (status == null) {
            status = remember(0, BasicLineParser.INSTANCE.parseStatusLine(line));
        }
        BasicClassicHttpResponse response =
                new BasicClassicHttpResponse(status.getStatusCode(), status.getReasonPhrase());
        response.setVersion(status.getProtocolVersion());
        for (int count = 0; ; count++) {
            if (readLine(buffer, in) < 0) {
                throw new ConnectionClosedException(
                        "the engine closed the connection in the middle of the response headers");
            }
            if (line.isEmpty()) {
                return response;
            }
            if (count == MAX_HEADERS) {
                throw new MessageConstraintException("more than " + MAX_HEADERS + " response headers");
            }
            Header h = (Header) previous(count + 1);
            response.addHeader(h != null ? h : remember(count + 1, header(line)));
        }
    }

    // The parsed form of the current line if it equals the previous response's line at this position.
    private Object previous(int index) {
        if (index >= previousLines.length) {
            return null;
        }
        char[] prev = previousLines[index];
        int n = line.length();
        return prev != null && prev.length == n && Arrays.equals(prev, 0, n, line.array(), 0, n)
                ? previousParsed[index]
                : null;
    }

    private <T> T remember(int index, T parsed) {
        if (index >= previousLines.length) {
            if (index >= MAX_HEADERS) {
                return parsed;
            }
            previousLines = Arrays.copyOf(previousLines, index * 2);
            previousParsed = Arrays.copyOf(previousParsed, index * 2);
        }
        previousLines[index] = Arrays.copyOf(line.array(), line.length());
        previousParsed[index] = parsed;
        return parsed;
    }

    private int readLine(SessionInputBuffer buffer, InputStream in) throws IOException {
        line.clear();
        int n = buffer.readLine(line, in);
        if (line.length() > MAX_LINE) {
            throw new MessageConstraintException("a response line longer than " + MAX_LINE + " characters");
        }
        return n;
    }

    /** One header line, split at its first colon; the value is trimmed. */
    static BasicHeader header(CharArrayBuffer line) throws ParseException {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new ParseException("Invalid header", line, 0, line.length());
        }
        char[] chars = line.array();
        for (int i = 0; i < colon; i++) {
            if (chars[i] <= ' ') {
                throw new ParseException("Invalid header", line, 0, line.length(), i);
            }
        }
        return new BasicHeader(line.substring(0, colon), line.substringTrimmed(colon + 1, line.length()));
    }
}
