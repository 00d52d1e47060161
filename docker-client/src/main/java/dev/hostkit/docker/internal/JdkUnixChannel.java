package dev.hostkit.docker.internal;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A JDK (JEP 380) unix channel. The JDK gives unix channels no socket adapter and blocking channels
 * no read timeout, so the channel runs non-blocking with a selector of its own: three fds per
 * connection (socket, epoll, wake-up eventfd) instead of jnr's one.
 */
final class JdkUnixChannel implements UnixChannel {
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;

    private JdkUnixChannel(SocketChannel channel, Selector selector) throws IOException {
        this.channel = channel;
        this.selector = selector;
        this.key = channel.register(selector, 0);
    }

    static JdkUnixChannel connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector sel = null;
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            sel = Selector.open();
            return new JdkUnixChannel(ch, sel);
        } catch (IOException | RuntimeException e) {
            if (sel != null) {
                sel.close();
            }
            ch.close();
            throw e;
        }
    }

    @Override
    public int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        if (len == 0) {
            return 0;
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : 0;
        while (true) {
            int n = channel.read(buf);
            if (n != 0) {
                return n;
            }
            long wait = 0;
            if (timeoutMillis > 0) {
                wait = (deadline - System.nanoTime()) / 1_000_000L;
                if (wait <= 0) {
                    throw new SocketTimeoutException("no data from the engine within " + timeoutMillis + " ms");
                }
            }
            await(SelectionKey.OP_READ, wait);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
                await(SelectionKey.OP_WRITE, 0);
            }
        }
    }

    private void await(int op, long millis) throws IOException {
        key.interestOps(op);
        try {
            selector.select(millis);
            selector.selectedKeys().clear();
        } finally {
            if (key.isValid()) {
                key.interestOps(0);
            }
        }
    }

    @Override
    public void shutdown() {
        try {
            channel.shutdownInput();
            channel.shutdownOutput();
        } catch (IOException | RuntimeException ignored) {
            // already shut down or closed: nothing blocks on it
        }
        selector.wakeup();
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }

    @Override
    public int fdCount() {
        return 3;
    }
}
