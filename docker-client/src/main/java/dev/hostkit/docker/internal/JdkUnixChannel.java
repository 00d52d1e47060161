package dev.hostkit.docker.internal;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A blocking JDK (JEP 380) unix channel: one fd per connection, no native library. The JDK gives
 * blocking channels no read timeout, so a read that may wait sets a {@link ReadDeadlines} deadline
 * whose expiry shuts the input down (within one 10 ms tick); a very short timeout (HttpClient's 1 ms stale check) is a
 * single non-blocking read instead.
 */
final class JdkUnixChannel implements UnixChannel {
    // At or below this, a read does not wait: it is a probe (HttpClient's stale-connection check).
    private static final int PROBE_MILLIS = 5;

    private final SocketChannel channel;
    private final ReadDeadlines.Slot deadline;

    private JdkUnixChannel(SocketChannel channel) {
        this.channel = channel;
        this.deadline = ReadDeadlines.get().register(this::shutdownInput);
    }

    // A unix connect blocks only while the listener's backlog is full. The JDK has no connect timeout
    // for it, so a deadline closes the channel, which wakes the blocked connect (the JDK signals the
    // thread blocked in it).
    static JdkUnixChannel connect(Path socket, int timeoutMillis) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        if (timeoutMillis <= 0) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return new JdkUnixChannel(ch);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }
        ReadDeadlines.Slot deadline = ReadDeadlines.get().register(() -> closeQuietly(ch));
        boolean inTime = false;
        try {
            long token = deadline.start(timeoutMillis);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } finally {
                inTime = deadline.end(token);
            }
            if (!inTime) {
                throw new UnixSocketAdapter.ConnectTimeoutException(socket, timeoutMillis);
            }
            return new JdkUnixChannel(ch);
        } catch (IOException e) {
            ch.close();
            // A connect woken by the deadline's close fails with AsynchronousCloseException.
            throw inTime ? e : new UnixSocketAdapter.ConnectTimeoutException(socket, timeoutMillis);
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        } finally {
            deadline.release();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException | RuntimeException ignored) {
            // closing only to wake the connect
        }
    }

    @Override
    public int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        if (len == 0) {
            return 0;
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        if (timeoutMillis == 0) {
            return channel.read(buf);
        }
        if (timeoutMillis <= PROBE_MILLIS) {
            channel.configureBlocking(false);
            int n;
            try {
                n = channel.read(buf);
            } finally {
                channel.configureBlocking(true);
            }
            if (n == 0) {
                throw new SocketTimeoutException("no data from the engine within " + timeoutMillis + " ms");
            }
            return n;
        }
        long token = deadline.start(timeoutMillis);
        int n;
        try {
            n = channel.read(buf);
        } finally {
            if (!deadline.end(token)) {
                // The deadline fired and shut the input down: whatever the read returned, the
                // connection is finished.
                throw new SocketTimeoutException("no data from the engine within " + timeoutMillis + " ms");
            }
        }
        return n;
    }

    private void shutdownInput() {
        try {
            channel.shutdownInput();
        } catch (IOException | RuntimeException ignored) {
            // closed meanwhile
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
        deadline.release();
        channel.close();
    }

    @Override
    public int fdCount() {
        return 1;
    }
}
