package dev.hostkit.testkit.docker;

import dev.hostkit.testkit.docker.FakeDockerEngine.Request;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.TreeMap;

// The fake engine's side of HTTP/1.1: a request head and body read off a connection (Content-Length or chunked,
// Expect: 100-continue answered), and a rendered reply written at once or dripped a byte at a time.
final class HttpWire {
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private HttpWire() {}

    // The head up to and including the blank line, or null when the connection closed before a request began.
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int last4 = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside a request head");
            }
            b.write(c);
            last4 = (last4 << 8) | c;
            if (last4 == 0x0d0a0d0a) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
            if (b.size() > MAX_HEAD_BYTES) {
                throw new IOException("request head longer than " + MAX_HEAD_BYTES + " bytes");
            }
        }
    }

    static Request parse(String head, InputStream in, SocketChannel ch) throws IOException {
        String[] lines = head.split("\r\n");
        String[] first = lines[0].split(" ");
        if (first.length < 3) {
            throw new IOException("not an HTTP request line: " + lines[0]);
        }
        TreeMap<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(
                        lines[i].substring(0, colon).strip(),
                        lines[i].substring(colon + 1).strip());
            }
        }
        if ("100-continue".equalsIgnoreCase(headers.get("Expect"))) {
            write(ch, "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        byte[] body;
        String te = headers.get("Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked(in);
        } else if (headers.containsKey("Content-Length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("Content-Length")));
        } else {
            body = new byte[0];
        }
        return new Request(first[0], first[1], headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    continue; // trailers
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0) {
            throw new EOFException("connection closed inside a chunked request body");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    // At once, or one byte per drip interval (from the first byte, or from the first body byte).
    static void writeReply(SocketChannel ch, Reply reply, byte[] bytes) throws IOException, InterruptedException {
        if (reply.drip().isZero()) {
            write(ch, bytes);
            return;
        }
        int from = 0;
        if (reply.dripBodyOnly()) {
            String s = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n\r\n");
            from = end < 0 ? bytes.length : end + 4;
            write(ch, Arrays.copyOf(bytes, from));
        }
        for (int i = from; i < bytes.length; i++) {
            Thread.sleep(reply.drip().toMillis());
            write(ch, new byte[] {bytes[i]});
        }
    }

    static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
