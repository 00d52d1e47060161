package dev.hostkit.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP/1.1 server on a unix socket that misbehaves on purpose, for the faults a real engine
 * will not produce. Each request is answered by {@link Handler}, which writes raw bytes (or nothing).
 */
final class FakeEngine implements AutoCloseable {
    /** Answers one request on a connection; return false to close the connection afterwards. */
    interface Handler {
        boolean answer(String method, String path, SocketChannel ch) throws IOException;
    }

    private final Path dir;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile Handler handler;

    FakeEngine(Handler handler) throws IOException {
        this.handler = handler;
        this.dir = Files.createTempDirectory("hk-fake-engine");
        this.socket = dir.resolve("docker.sock");
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.acceptor = new Thread(this::acceptLoop, "fake-engine-accept");
        acceptor.start();
    }

    void handler(Handler h) {
        this.handler = h;
    }

    String host() {
        return "unix://" + socket;
    }

    Path socket() {
        return socket;
    }

    /** Closes every connection the server holds (as an engine closing idle keep-alive connections). */
    void dropConnections() throws IOException {
        for (SocketChannel c : connections) {
            c.close();
        }
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel ch = server.accept();
                accepted.incrementAndGet();
                connections.add(ch);
                Thread t = new Thread(() -> serve(ch), "fake-engine-conn");
                workers.add(t);
                t.start();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            while (true) {
                String head = readHead(ch);
                if (head == null) {
                    return;
                }
                String[] first = head.split("\r\n")[0].split(" ");
                requests.add(first[0] + " " + first[1]);
                int len = 0;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase().startsWith("content-length:")) {
                        len = Integer.parseInt(line.substring(15).strip());
                    }
                }
                if (len > 0) {
                    ch.read(ByteBuffer.allocate(len));
                }
                if (!handler.answer(first[0], first[1], ch)) {
                    return;
                }
            }
        } catch (IOException e) {
            // client went away
        }
    }

    private static String readHead(SocketChannel ch) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (ch.read(one) < 0) {
                return null;
            }
            b.write(one.get(0));
            String s = b.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
    }

    static void write(SocketChannel ch, String s) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** A complete response with a JSON (or any) body. */
    static String response(int status, String body) {
        return "HTTP/1.1 " + status + " X\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** Answers pings with API 1.41 and hands everything else to {@code rest}. */
    static Handler withPing(Handler rest) {
        return (m, p, ch) -> {
            if (p.equals("/_ping")) {
                write(ch, "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOstype: linux\r\nContent-Length: 2\r\n\r\n" + (m.equals("HEAD") ? "" : "OK"));
                return true;
            }
            return rest.answer(m, p, ch);
        };
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(5_000);
        for (SocketChannel c : connections) {
            c.close();
        }
        for (Thread t : workers) {
            t.join(5_000);
        }
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }
}
