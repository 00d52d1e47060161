package dev.hostkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code hostkit docker clients} on the private engine: this JVM holding 35 connections is listed exactly. */
@HostTest(checkFdsAndThreads = false)
class DockerClientsCommandIT {
    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DockerCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void jsonListsThisProcessWithItsExactConnectionAndIdleCounts(DockerEngine engine) throws Exception {
        List<SocketChannel> held = new ArrayList<>();
        try {
            for (int i = 0; i < 35; i++) {
                held.add(SocketChannel.open(UnixDomainSocketAddress.of(engine.socket())));
            }
            Run r = run("clients", "--json", "--host", engine.host());
            assertThat(r.status()).as(r.err()).isZero();
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertThat(json.path("socket").asText()).isEqualTo(engine.socket().toString());
            JsonNode me = null;
            for (JsonNode c : json.path("clients")) {
                if (c.path("pid").asLong() == ProcessHandle.current().pid()) {
                    me = c;
                }
            }
            assertThat(me).as(r.out()).isNotNull();
            assertThat(me.path("comm").asText()).isNotEmpty();
            assertThat(me.path("connections").asInt()).isEqualTo(35);
            assertThat(me.path("idle").asInt()).isEqualTo(35);
            assertThat(me.path("self").asBoolean()).isTrue();
            assertThat(json.path("enginePids")).isNotEmpty();

            Run text = run("--host", engine.host(), "clients");
            assertThat(text.status()).as(text.err()).isZero();
            assertThat(text.out())
                    .contains(engine.socket() + ": ")
                    .containsPattern(
                            "(?m)^" + ProcessHandle.current().pid() + "\\s+\\S+ \\(hostkit\\)\\s+-\\s+35\\s+35");
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
    }

    @Test
    void aSocketThatDoesNotExistIsOneLineAndExit69(@TempDir Path dir) {
        Path missing = dir.resolve("no-engine.sock");
        Run r = run("clients", "--host", "unix://" + missing);
        assertThat(r.status()).isEqualTo(DockerCommand.EX_UNAVAILABLE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("hostkit docker clients: socket " + missing + " does not exist\n");
    }

    @Test
    void anAddressThatIsNotAUnixPathIsAUsageError() {
        Run r = run("clients", "--host", "tcp://127.0.0.1:2375");
        assertThat(r.status()).isEqualTo(64);
        assertThat(r.err())
                .startsWith("hostkit docker clients: only unix:///absolute/path engine addresses are supported");
    }
}
