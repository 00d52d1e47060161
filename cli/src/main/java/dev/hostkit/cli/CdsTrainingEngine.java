package dev.hostkit.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-in Docker Engine for deploy/install-hostkit.sh's class-data-sharing training, never part of the command:
 * an image build has no engine, and without one the Docker plugins' HTTP exchange would not be archived (94 classes a
 * plugin run would load and verify from the jar). Answers every request on a unix socket with the one reply
 * {@code /_ping} gets, closing after each, until killed; it holds nothing but that socket.
 *
 * <p>{@code java -cp hostkit.jar dev.hostkit.cli.CdsTrainingEngine SOCKET}
 */
final class CdsTrainingEngine {
    private static final String PONG_HEAD = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 2\r\nConnection: close\r\n\r\n";
    /** A request head is far below this; more is not a request this stand-in answers. */
    private static final int MAX_HEAD = 8192;

    private CdsTrainingEngine() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CdsTrainingEngine SOCKET");
            System.exit(Hostkit.EX_USAGE);
        }
        Path socket = Path.of(args[0]);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            while (true) {
                try (SocketChannel c = server.accept()) {
                    answer(c);
                } catch (IOException e) {
                    // A client that went away: the next one is answered all the same.
                }
            }
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    /** Reads the request head (to its blank line) and sends the reply, with its body unless the request was HEAD. */
    private static void answer(SocketChannel c) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(MAX_HEAD);
        String head = "";
        while (in.hasRemaining() && c.read(in) > 0) {
            head = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
            if (head.contains("\r\n\r\n")) {
                break;
            }
        }
        String reply = head.startsWith("HEAD ") ? PONG_HEAD : PONG_HEAD + "OK";
        ByteBuffer out = ByteBuffer.wrap(reply.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            c.write(out);
        }
    }
}
