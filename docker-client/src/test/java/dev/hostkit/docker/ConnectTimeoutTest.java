package dev.hostkit.docker;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A unix {@code connect} blocks only while the listener's backlog is full, i.e. the engine's socket
 * exists but nothing accepts (an overloaded or hung engine). Its own small listener: bound with a
 * backlog of 1, never accepting, its backlog filled by non-blocking connects.
 */
class ConnectTimeoutTest {

    @ParameterizedTest
    @EnumSource(DockerClient.Transport.class)
    void connectToAListenerWithAFullBacklogFailsAsTimeoutNamingSocketAndTimeout(DockerClient.Transport t)
            throws Exception {
        Path dir = Files.createTempDirectory("hk-backlog");
        Path socket = dir.resolve("docker.sock");
        List<SocketChannel> queued = new ArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket), 1);
            fillBacklog(socket, queued);
            try (DockerClient docker = DockerClient.builder()
                    .host("unix://" + socket)
                    .transport(t)
                    .apiVersion("1.41")
                    .connectTimeout(Duration.ofMillis(300))
                    .readTimeout(Duration.ofSeconds(2))
                    .build()) {
                long start = System.nanoTime();
                assertThatThrownBy(docker::version)
                        .isInstanceOf(DockerTimeoutException.class)
                        .hasMessageContaining("GET /v1.41/version")
                        .hasMessageContaining(
                                "could not connect to the engine at " + socket + " within 300 ms (connect timeout)");
                // A hang guard, not a speed goal: without the timeout the connect would block for good.
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
                System.out.printf(
                        "%s: connect timeout fired after %d ms%n", t, (System.nanoTime() - start) / 1_000_000);
                // The failed connect gave its pool slot back and left no socket behind.
                assertThat(docker.openConnections()).isZero();
            }
        } finally {
            for (SocketChannel c : queued) {
                c.close();
            }
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    // Non-blocking connects queue until the backlog is full, then fail with EAGAIN at once.
    private static void fillBacklog(Path socket, List<SocketChannel> queued) throws IOException {
        for (int i = 0; i < 1000; i++) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.configureBlocking(false);
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
                queued.add(c);
            } catch (IOException full) {
                c.close();
                assertThat(full).hasMessageContaining("temporarily unavailable");
                return;
            }
        }
        throw new AssertionError("the backlog of " + socket + " never filled");
    }
}
