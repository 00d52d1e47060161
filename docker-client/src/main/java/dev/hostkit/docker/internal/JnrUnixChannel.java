package dev.hostkit.docker.internal;

import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A blocking jnr-unixsocket channel: one fd per connection. Read timeouts are the kernel's
 * {@code SO_RCVTIMEO}; jnr reports an expired timeout as a zero-byte read, which is turned into a
 * {@link SocketTimeoutException} here (left as 0, HttpClient would spin on it).
 */
final class JnrUnixChannel implements UnixChannel {
    private final UnixSocketChannel channel;
    private int appliedTimeout = -1;

    private JnrUnixChannel(UnixSocketChannel channel) {
        this.channel = channel;
    }

    // A unix connect blocks only while the listener's backlog is full; the kernel bounds that wait by
    // SO_SNDTIMEO and then fails it with EAGAIN (jnr: connect returns false). The option is reset
    // afterwards: left set, a slow write would return 0 and spin.
    static JnrUnixChannel connect(Path socket, int timeoutMillis) throws IOException {
        UnixSocketChannel ch = UnixSocketChannel.open();
        try {
            ch.setOption(UnixSocketOptions.SO_SNDTIMEO, timeoutMillis);
            boolean connected;
            try {
                connected = ch.connect(new UnixSocketAddress(socket.toFile()));
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).matches("(?i).*(EAGAIN|temporarily unavailable|EWOULDBLOCK).*")) {
                    throw new UnixSocketAdapter.ConnectTimeoutException(socket, timeoutMillis);
                }
                throw e;
            }
            if (!connected) {
                throw new UnixSocketAdapter.ConnectTimeoutException(socket, timeoutMillis);
            }
            ch.setOption(UnixSocketOptions.SO_SNDTIMEO, 0);
            return new JnrUnixChannel(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (timeoutMillis != appliedTimeout) {
            channel.setOption(UnixSocketOptions.SO_RCVTIMEO, timeoutMillis);
            appliedTimeout = timeoutMillis;
        }
        while (true) {
            int n = channel.read(ByteBuffer.wrap(b, off, len));
            if (n != 0) {
                return n;
            }
            if (timeoutMillis > 0) {
                throw new SocketTimeoutException("no data from the engine within " + timeoutMillis + " ms");
            }
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        UnixChannel.writeFully(channel, b, off, len);
    }

    @Override
    public void shutdown() {
        UnixChannel.shutdownQuietly(channel);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public int fdCount() {
        return 1;
    }
}
