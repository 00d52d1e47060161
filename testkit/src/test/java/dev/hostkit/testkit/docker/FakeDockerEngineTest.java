package dev.hostkit.testkit.docker;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fake engine's replies and faults on the wire, read with a bare unix-socket client. */
class FakeDockerEngineTest {

    /** A raw HTTP/1.1 connection to the engine. */
    private static final class Wire implements AutoCloseable {
        final SocketChannel ch;

        Wire(FakeDockerEngine engine) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(engine.socket()));
        }

        void send(String request) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        String get(String target) throws IOException {
            send("GET " + target + " HTTP/1.1\r\nHost: docker\r\n\r\n");
            return readResponse();
        }

        /** Reads one response with a Content-Length body (or none). */
        String readResponse() throws IOException {
            String head = readHeadOnly();
            if (!head.endsWith("\r\n\r\n")) {
                return head + "<EOF>";
            }
            int len = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    len = Integer.parseInt(line.substring(15).strip());
                }
            }
            ByteBuffer body = ByteBuffer.allocate(len);
            while (body.hasRemaining()) {
                if (ch.read(body) < 0) {
                    return head + new String(body.array(), 0, body.position(), StandardCharsets.UTF_8) + "<EOF>";
                }
            }
            return head + new String(body.array(), StandardCharsets.UTF_8);
        }

        /** The status line and headers only (less when the connection ends first). */
        String readHeadOnly() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                one.clear();
                if (ch.read(one) < 0) {
                    break;
                }
                b.write(one.get(0));
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        /** Everything until the engine closes the connection. */
        String readToEnd() throws IOException {
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }

        /** Bytes that arrive within {@code millis} (used only to show that nothing is sent, never to time anything). */
        int bytesWithin(long millis) throws IOException {
            ch.configureBlocking(false);
            try {
                try (Selector s = Selector.open()) {
                    ch.register(s, SelectionKey.OP_READ);
                    if (s.select(millis) == 0) {
                        return 0;
                    }
                    return ch.read(ByteBuffer.allocate(4096));
                }
            } finally {
                ch.configureBlocking(true); // the selector is closed: the channel may block again
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    @Test
    void drippedReplyArrivesOneByteAtATimeAndWhole() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.json(200, "{}").dripEvery(Duration.ofMillis(20)))
                        .on("GET", "/version", Reply.json(200, "{\"a\":1}").dripBodyEvery(Duration.ofMillis(300)));
                Wire w = new Wire(engine)) {
            w.send("GET /info HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(w.bytesWithin(2_000))
                    .as("the first bytes come alone, not the whole reply")
                    .isBetween(1, 10);
            assertThat(w.readResponse()).contains("200 OK\r\n").endsWith("\r\n\r\n{}");
            w.send("GET /version HTTP/1.1\r\nHost: docker\r\n\r\n");
            String head = w.readHeadOnly();
            assertThat(head).startsWith("HTTP/1.1 200 OK").endsWith("Content-Length: 7\r\n\r\n");
            assertThat(w.bytesWithin(2_000)).as("then the body, byte by byte").isEqualTo(1);
        }
    }

    @Test
    void cutReplyEndsInsideTheHeadersAndClosesTheConnection() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/version", Reply.json(200, "{}").cutAfter(20));
                Wire w = new Wire(engine)) {
            w.send("GET /version HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(w.readToEnd()).isEqualTo("HTTP/1.1 200 OK\r\nApi");
        }
    }

    @Test
    void pingAnswersWithTheApiVersionAndUnknownRoutesAre404LikeDockerd() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start();
                Wire w = new Wire(engine)) {
            assertThat(w.get("/_ping"))
                    .startsWith("HTTP/1.1 200 OK\r\n")
                    .contains("Api-Version: 1.41\r\n")
                    .endsWith("\r\n\r\nOK");
            assertThat(w.get("/v1.41/nope"))
                    .startsWith("HTTP/1.1 404 Not Found\r\n")
                    .endsWith("{\"message\":\"page not found\"}");
            engine.apiVersion("1.12");
            assertThat(w.get("/_ping")).contains("Api-Version: 1.12\r\n");
            assertThat(engine.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void scriptsMatchAnyVersionPrefixIgnoreTheQueryAndRepeatTheirLastReply() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/containers/json", Reply.json(200, "[1]"), Reply.json(200, "[2]"))
                        .on("GET", "/v1.24/info", Reply.json(200, "{\"old\":true}"));
                Wire w = new Wire(engine)) {
            assertThat(w.get("/v1.41/containers/json?all=1")).endsWith("[1]");
            assertThat(w.get("/containers/json")).endsWith("[2]");
            assertThat(w.get("/v1.43/containers/json")).endsWith("[2]");
            assertThat(w.get("/v1.41/info")).startsWith("HTTP/1.1 404");
            assertThat(w.get("/v1.24/info")).endsWith("{\"old\":true}");
            engine.on("*", "/containers/json", Reply.json(200, "[3]")); // the newest script wins
            assertThat(w.get("/v1.41/containers/json")).endsWith("[3]");
            assertThat(engine.requestLines())
                    .containsExactly(
                            "GET /v1.41/containers/json",
                            "GET /containers/json",
                            "GET /v1.43/containers/json",
                            "GET /v1.41/info",
                            "GET /v1.24/info",
                            "GET /v1.41/containers/json");
            assertThat(engine.requests().get(0).query()).isEqualTo("all=1");
        }
    }

    @Test
    void pathParametersMatchOneWholeSegmentWithOrWithoutAVersionPrefix() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/containers/{id}/json", Reply.json(200, "{\"State\":{\"Pid\":4242}}"))
                        .on("POST", "/v1.41/containers/{id}/kill", Reply.status(204));
                Wire w = new Wire(engine)) {
            assertThat(w.get("/v1.41/containers/4b5c6d7e/json")).endsWith("{\"State\":{\"Pid\":4242}}");
            assertThat(w.get("/containers/web-1/json?size=1")).startsWith("HTTP/1.1 200");
            assertThat(w.get("/v1.41/containers/json")).startsWith("HTTP/1.1 404"); // no id segment
            assertThat(w.get("/v1.41/containers/a/b/json")).startsWith("HTTP/1.1 404"); // two segments
            assertThat(w.get("/v1.41/containers//json")).startsWith("HTTP/1.1 404"); // empty segment
            w.send("POST /v1.41/containers/abc/kill HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n");
            assertThat(w.readResponse()).startsWith("HTTP/1.1 204");
            w.send("POST /v1.43/containers/abc/kill HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n");
            assertThat(w.readResponse()).startsWith("HTTP/1.1 404"); // pinned to v1.41
        }
    }

    @Test
    void recordsHeadersAndBodiesSentWithLengthOrChunked() throws Exception {
        try (FakeDockerEngine engine =
                        FakeDockerEngine.start().on("POST", "/containers/create", Reply.json(201, "{\"Id\":\"abc\"}"));
                Wire w = new Wire(engine)) {
            w.send("POST /v1.41/containers/create?name=web HTTP/1.1\r\nHost: docker\r\nUser-Agent: probe/1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"Image\":\"busy\"}\n");
            assertThat(w.readResponse()).startsWith("HTTP/1.1 201 Created\r\n");
            w.send("POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n");
            assertThat(w.readResponse()).endsWith("{\"Id\":\"abc\"}");
            FakeDockerEngine.Request first = engine.requests().get(0);
            assertThat(first.header("user-agent")).isEqualTo("probe/1");
            assertThat(first.body()).isEqualTo("{\"Image\":\"busy\"}\n");
            assertThat(first.path()).isEqualTo("/v1.41/containers/create");
            assertThat(engine.requests().get(1).body()).isEqualTo("{\"a\":1}");
            w.send(
                    "POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
            assertThat(w.readResponse()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            w.send("{}");
            assertThat(w.readResponse()).startsWith("HTTP/1.1 201 Created\r\n");
            assertThat(engine.requests().get(2).body()).isEqualTo("{}");
        }
    }

    @Test
    void errorsCarryDockersMessageShapeOrNoBodyAtAll() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.error(500, "pool \"thin\" is full\n"))
                        .on("GET", "/version", Reply.status(500))
                        .on("DELETE", "/containers/web", Reply.status(204));
                Wire w = new Wire(engine)) {
            assertThat(w.get("/v1.41/info"))
                    .startsWith("HTTP/1.1 500 Internal Server Error\r\n")
                    .contains("Content-Type: application/json\r\n")
                    .endsWith("{\"message\":\"pool \\\"thin\\\" is full\\n\"}");
            assertThat(w.get("/v1.41/version"))
                    .startsWith("HTTP/1.1 500")
                    .contains("Content-Length: 0\r\n")
                    .endsWith("\r\n\r\n");
            w.send("DELETE /v1.41/containers/web HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(w.readResponse())
                    .startsWith("HTTP/1.1 204 No Content\r\n")
                    .doesNotContain("Content-Length");
        }
    }

    @Test
    void malformedJsonIsAComplete200WithATruncatedObject() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/version", Reply.malformedJson());
                Wire w = new Wire(engine)) {
            String r = w.get("/v1.41/version");
            assertThat(r).startsWith("HTTP/1.1 200 OK\r\n").endsWith("{\"Version\":\"20.10.24\",\"ApiVersion\":");
            assertThat(w.get("/_ping")).endsWith("OK"); // the connection stays usable
        }
    }

    @Test
    void dropMidBodyPromisesTheWholeBodyThenCloses() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on(
                                "GET",
                                "/version",
                                Reply.dropMidBody(200, "{\"Version\":\"20.10.24\"}", 11),
                                Reply.json(200, "{}"));
                Wire w = new Wire(engine)) {
            assertThat(w.get("/v1.41/version"))
                    .contains("Content-Length: 22\r\n")
                    .endsWith("\r\n\r\n{\"Version\":<EOF>");
        }
        assertThatThrownBy(() -> Reply.dropMidBody(200, "{}", 2)).hasMessageContaining("less than the body");
    }

    @Test
    void noAnswerHoldsTheConnectionSilentUntilTheEngineCloses() throws Exception {
        FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/info", Reply.noAnswer());
        try (Wire w = new Wire(engine)) {
            w.send("GET /v1.41/info HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(w.bytesWithin(300)).isZero();
            assertThat(engine.requestLines()).containsExactly("GET /v1.41/info");
            engine.close();
            w.ch.configureBlocking(true);
            assertThat(w.ch.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        } finally {
            engine.close();
        }
    }

    @Test
    void slowReplyArrivesWhole() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/info", Reply.json(200, "{}").after(Duration.ofMillis(200)));
                Wire w = new Wire(engine)) {
            assertThat(w.get("/v1.41/info")).startsWith("HTTP/1.1 200").endsWith("{}");
        }
        assertThatThrownBy(() -> Reply.json(200, "{}").after(Duration.ofMillis(-1)))
                .hasMessageContaining("zero or positive");
    }

    @Test
    void closeConnectionAndThenCloseEndTheConnection() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                        .on("GET", "/a", Reply.closeConnection())
                        .on("GET", "/b", Reply.json(200, "{}").thenClose());
                Wire a = new Wire(engine);
                Wire b = new Wire(engine)) {
            a.send("GET /a HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(a.readToEnd()).isEmpty();
            b.send("GET /b HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(b.readToEnd()).startsWith("HTTP/1.1 200 OK").endsWith("{}");
        }
    }

    @Test
    void closeIdleConnectionsClosesOnlyThoseWaitingForARequest() throws Exception {
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/events", Reply.stream());
                Wire idle = new Wire(engine);
                Wire streaming = new Wire(engine)) {
            assertThat(idle.get("/_ping")).endsWith("OK");
            streaming.send("GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(streaming.readResponse()).contains("Transfer-Encoding: chunked\r\n");
            assertThat(engine.closeIdleConnections()).isEqualTo(1);
            assertThat(idle.readToEnd()).isEmpty();
            assertThat(engine.openConnections()).isEqualTo(1);
            assertThat(engine.closeAllConnections()).isEqualTo(1);
            assertThat(streaming.readToEnd()).isEmpty();
        }
    }

    @Test
    void streamSendsItsChunksThenStaysOpen() throws Exception {
        try (FakeDockerEngine engine =
                        FakeDockerEngine.start().on("GET", "/events", Reply.stream("{\"Action\":\"start\"}\n"));
                Wire w = new Wire(engine)) {
            w.send("GET /v1.41/events?filters=%7B%7D HTTP/1.1\r\nHost: docker\r\n\r\n");
            String head = w.readResponse();
            assertThat(head)
                    .startsWith("HTTP/1.1 200 OK\r\n")
                    .contains("Transfer-Encoding: chunked\r\n")
                    .doesNotContain("Content-Length");
            ByteBuffer chunk = ByteBuffer.allocate(64);
            while (!new String(chunk.array(), 0, chunk.position(), StandardCharsets.UTF_8).endsWith("}\n\r\n")) {
                assertThat(w.ch.read(chunk)).isNotNegative();
            }
            assertThat(new String(chunk.array(), 0, chunk.position(), StandardCharsets.UTF_8))
                    .isEqualTo("13\r\n{\"Action\":\"start\"}\n\r\n");
            assertThat(w.bytesWithin(200)).isZero();
        }
    }

    @Test
    void closeStopsItsThreadsAndRemovesTheSocketAndItsDirectory() throws Exception {
        FakeDockerEngine engine =
                FakeDockerEngine.start().on("GET", "/info", Reply.noAnswer().after(Duration.ofDays(1)));
        Path socket = engine.socket();
        try (Wire w = new Wire(engine)) {
            w.send("GET /v1.41/info HTTP/1.1\r\nHost: docker\r\n\r\n");
            while (engine.requests().isEmpty()) {
                Thread.sleep(10);
            }
            engine.close();
            engine.close(); // idempotent
        }
        assertThat(socket).doesNotExist();
        assertThat(socket.getParent()).doesNotExist();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().startsWith("hostkit-testkit-fake-docker") && t.isAlive());
        assertThat(engine.host()).isEqualTo("unix://" + socket);
        assertThat(Files.exists(socket)).isFalse();
    }

    @Test
    void badScriptsAreRejected() {
        try (FakeDockerEngine engine = FakeDockerEngine.start()) {
            assertThatThrownBy(() -> engine.on("get", "/info", Reply.status(200)))
                    .hasMessageContaining("'get'");
            assertThatThrownBy(() -> engine.on("GET", "info", Reply.status(200)))
                    .hasMessageContaining("'info'");
            assertThatThrownBy(() -> engine.on("GET", "/info?x=1", Reply.status(200)))
                    .hasMessageContaining("without a query");
            assertThatThrownBy(() -> engine.on("GET", "/containers/x{id}/json", Reply.status(200)))
                    .hasMessageContaining("whole segment")
                    .hasMessageContaining("'/containers/x{id}/json'");
            assertThatThrownBy(() -> engine.on("GET", "/containers/{id/json", Reply.status(200)))
                    .hasMessageContaining("whole segment");
            assertThatThrownBy(() -> engine.on("GET", "/containers/{}/json", Reply.status(200)))
                    .hasMessageContaining("whole segment");
            assertThatThrownBy(() -> engine.apiVersion("v1")).hasMessageContaining("'v1'");
            assertThatThrownBy(() -> Reply.status(99)).hasMessageContaining("99");
            assertThatThrownBy(() -> Reply.json(200, "{}").header("Bad Name", "x"))
                    .hasMessageContaining("Bad Name");
        }
    }
}
