package dev.hostkit.docker.internal;

import dev.hostkit.docker.LogFrame;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits the engine's multiplexed stdout/stderr stream (used when a container has no TTY) into
 * frames: an 8-byte header {@code [stream, 0, 0, 0, size as 4 bytes big-endian]}, then the payload.
 * With a TTY the stream is raw and is passed through as stdout chunks.
 */
public final class FrameDemultiplexer {
    /** Header length. */
    public static final int HEADER_BYTES = 8;

    private static final int RAW_CHUNK = 8192;
    // A frame above this is not the engine talking; refuse rather than allocate it.
    private static final int MAX_FRAME = 64 << 20;

    private final InputStream in;
    private final boolean raw;
    private final byte[] header = new byte[HEADER_BYTES];

    /**
     * @param in the response body
     * @param raw true for a TTY container (no frame headers)
     */
    public FrameDemultiplexer(InputStream in, boolean raw) {
        this.in = in;
        this.raw = raw;
    }

    /**
     * The next frame, or null at the end of the stream.
     *
     * @throws IOException on a read error or a malformed header
     */
    public LogFrame next() throws IOException {
        if (raw) {
            byte[] buf = new byte[RAW_CHUNK];
            int n = in.read(buf);
            return n < 0 ? null : new LogFrame(LogFrame.Source.STDOUT, Arrays.copyOf(buf, n));
        }
        int got = readFully(header, true);
        if (got == 0) {
            return null;
        }
        LogFrame.Source source = switch (header[0]) {
            case 0 -> LogFrame.Source.STDIN;
            case 1 -> LogFrame.Source.STDOUT;
            case 2 -> LogFrame.Source.STDERR;
            default -> throw new IOException("malformed log frame header: stream byte " + (header[0] & 0xff));
        };
        int size = ((header[4] & 0xff) << 24)
                | ((header[5] & 0xff) << 16)
                | ((header[6] & 0xff) << 8)
                | (header[7] & 0xff);
        if (size < 0 || size > MAX_FRAME) {
            throw new IOException("malformed log frame header: size " + Integer.toUnsignedString(size));
        }
        byte[] payload = new byte[size];
        readFully(payload, false);
        return new LogFrame(source, payload);
    }

    // Returns 0 only when the stream ended cleanly before the first byte (allowed for headers).
    private int readFully(byte[] b, boolean mayEnd) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                if (off == 0 && mayEnd) {
                    return 0;
                }
                throw new EOFException("log stream ended inside a frame (" + off + " of " + b.length + " bytes)");
            }
            off += n;
        }
        return off;
    }
}
