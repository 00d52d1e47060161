package dev.hostkit.docker.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A connected unix socket dressed as a {@link Socket} for HttpClient. TCP options are accepted and
 * ignored (never delegated to a lazily created TCP impl, which would open a stray fd). {@code close()}
 * from any thread first shuts the socket down, which wakes a reader blocked in the kernel, then waits
 * for that reader to leave before releasing the fd, so a reused fd number is never read by mistake.
 * It also carries a call's total deadline (its expiry shuts the socket down, however slowly bytes
 * arrive) and counts the bytes read, so a failed call knows whether any response byte had arrived.
 */
public final class UnixSocketAdapter extends Socket {
    private final UnixChannel channel;
    private final UnixDomainSocketAddress remote;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantReadWriteLock io = new ReentrantReadWriteLock();
    private final InputStream in = new In();
    private final OutputStream out = new Out();
    private final ReadDeadlines.Slot callDeadline;
    private volatile int soTimeout;
    // Read and written only by the thread holding the connection (the pool hands it over safely).
    private long bytesRead;

    private UnixSocketAdapter(UnixChannel channel, UnixDomainSocketAddress remote) throws SocketException {
        super((SocketImpl) null);
        this.channel = channel;
        this.remote = remote;
        this.callDeadline = ReadDeadlines.get().register(channel::shutdown);
    }

    /**
     * Starts a call's total deadline: if {@link #endCallDeadline} is not called within {@code millis},
     * the socket is shut down (within one tick), which ends any read or write in flight.
     *
     * @return the token for {@link #endCallDeadline}
     */
    public long startCallDeadline(long millis) {
        return callDeadline.start(Math.max(1, millis));
    }

    /** Ends the call's deadline; false when it expired (the socket is then shut down and must be discarded). */
    public boolean endCallDeadline(long token) {
        return callDeadline.end(token);
    }

    /** Response bytes read on this connection so far. */
    public long bytesRead() {
        return bytesRead;
    }

    /**
     * A unix connect that did not complete in time. It blocks only while the listener's backlog is
     * full: the listener exists but does not accept (overloaded or hung).
     */
    public static final class ConnectTimeoutException extends java.net.SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        ConnectTimeoutException(java.nio.file.Path path, int timeoutMillis) {
            super("connect to " + path + " did not complete within " + timeoutMillis + " ms (listen backlog full)");
        }
    }

    /**
     * Connects to a unix socket with the given transport.
     *
     * @param transport which implementation carries the bytes
     * @param path the socket file
     * @param connectTimeoutMillis longest wait for the connect (0: none)
     * @return the connected socket
     * @throws ConnectTimeoutException when the listener did not take the connection in time
     * @throws IOException when the connect fails (missing file, refused, permission denied)
     */
    public static UnixSocketAdapter connect(UnixTransport transport, java.nio.file.Path path, int connectTimeoutMillis)
            throws IOException {
        UnixChannel ch;
        if (transport == UnixTransport.JDK) {
            ch = JdkUnixChannel.connect(path, connectTimeoutMillis);
        } else {
            try {
                ch = JnrUnixChannel.connect(path, connectTimeoutMillis);
            } catch (NoClassDefFoundError e) {
                throw new IllegalStateException(
                        "the JNR transport needs com.github.jnr:jnr-unixsocket on the class path "
                                + "(an optional dependency of hostkit-docker-client); add it or use the default JDK transport",
                        e);
            }
        }
        try {
            return new UnixSocketAdapter(ch, UnixDomainSocketAddress.of(path));
        } catch (SocketException e) {
            ch.close();
            throw e;
        }
    }

    /** fds held by this connection. */
    public int fdCount() {
        return channel.fdCount();
    }

    @Override
    public InputStream getInputStream() throws IOException {
        ensureOpen();
        return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        ensureOpen();
        return out;
    }

    private void ensureOpen() throws SocketException {
        if (closed.get()) {
            throw new SocketException("Socket closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        callDeadline.release();
        channel.shutdown();
        io.writeLock().lock();
        try {
            channel.close();
        } finally {
            io.writeLock().unlock();
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            io.readLock().lock();
            try {
                ensureOpen();
                int n = channel.read(b, off, len, soTimeout);
                if (n > 0) {
                    bytesRead += n;
                }
                return n;
            } finally {
                io.readLock().unlock();
            }
        }

        @Override
        public void close() throws IOException {
            UnixSocketAdapter.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            io.readLock().lock();
            try {
                ensureOpen();
                channel.write(b, off, len);
            } finally {
                io.readLock().unlock();
            }
        }

        @Override
        public void close() throws IOException {
            UnixSocketAdapter.this.close();
        }
    }

    // ---- java.net.Socket surface: unix sockets have no TCP options; accept and ignore them.

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        throw new SocketException("already connected to " + remote);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        throw new SocketException("already connected to " + remote);
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        throw new SocketException("unix client sockets are not bound");
    }

    @Override
    public void setSoTimeout(int timeout) {
        soTimeout = Math.max(0, timeout);
    }

    @Override
    public int getSoTimeout() {
        return soTimeout;
    }

    @Override
    public void setTcpNoDelay(boolean on) {}

    @Override
    public boolean getTcpNoDelay() {
        return true;
    }

    @Override
    public void setSoLinger(boolean on, int linger) {}

    @Override
    public int getSoLinger() {
        return -1;
    }

    @Override
    public void setKeepAlive(boolean on) {}

    @Override
    public boolean getKeepAlive() {
        return false;
    }

    @Override
    public void setSendBufferSize(int size) {}

    @Override
    public int getSendBufferSize() {
        return 0;
    }

    @Override
    public void setReceiveBufferSize(int size) {}

    @Override
    public int getReceiveBufferSize() {
        return 0;
    }

    @Override
    public void setReuseAddress(boolean on) {}

    @Override
    public boolean getReuseAddress() {
        return false;
    }

    @Override
    public void setTrafficClass(int tc) {}

    @Override
    public int getTrafficClass() {
        return 0;
    }

    @Override
    public void setOOBInline(boolean on) {}

    @Override
    public boolean getOOBInline() {
        return false;
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        throw new SocketException("unix sockets have no urgent data");
    }

    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {}

    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) {
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        throw new UnsupportedOperationException("unix socket option " + name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Set.of();
    }

    @Override
    public InetAddress getInetAddress() {
        return null;
    }

    @Override
    public InetAddress getLocalAddress() {
        return InetAddress.getLoopbackAddress();
    }

    @Override
    public int getPort() {
        return 0;
    }

    @Override
    public int getLocalPort() {
        return -1;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return null;
    }

    @Override
    public SocketChannel getChannel() {
        return null;
    }

    @Override
    public void shutdownInput() {
        channel.shutdown();
    }

    @Override
    public void shutdownOutput() {
        channel.shutdown();
    }

    @Override
    public boolean isConnected() {
        return true;
    }

    @Override
    public boolean isBound() {
        return true;
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public boolean isInputShutdown() {
        return closed.get();
    }

    @Override
    public boolean isOutputShutdown() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "unix socket " + remote.getPath() + (closed.get() ? " (closed)" : "");
    }
}
