package dev.hostkit.docker.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One connected unix stream socket, as the two transports (jnr-unixsocket and the JDK's
 * {@code SocketChannel}) provide it. {@link UnixSocketAdapter} serialises close against I/O, so
 * implementations may assume {@link #close} never runs while a read or write is inside the kernel.
 */
interface UnixChannel {
    /**
     * Reads at most {@code len} bytes.
     *
     * @param timeoutMillis 0 waits forever
     * @return bytes read, or -1 at end of stream
     * @throws java.net.SocketTimeoutException when nothing arrived in time
     */
    int read(byte[] b, int off, int len, int timeoutMillis) throws IOException;

    /** Writes all {@code len} bytes. */
    void write(byte[] b, int off, int len) throws IOException;

    /** Wakes any thread blocked in {@link #read} or {@link #write} (end of stream); safe from any thread. */
    void shutdown();

    /** Releases the fd(s). */
    void close() throws IOException;

    /** How many fds this channel holds (1 for both transports). */
    int fdCount();

    /** Writes all bytes to a blocking channel (both transports' channels are {@link SocketChannel}s). */
    static void writeFully(SocketChannel channel, byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Shuts both directions down, which wakes a blocked reader or writer; errors mean nothing blocks. */
    static void shutdownQuietly(SocketChannel channel) {
        try {
            channel.shutdownInput();
        } catch (IOException | RuntimeException ignored) {
            // already shut down or closed
        }
        try {
            channel.shutdownOutput();
        } catch (IOException | RuntimeException ignored) {
            // already shut down or closed
        }
    }
}
