package dev.hostkit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.core.Printable;
import dev.hostkit.docker.ContainerSummary;
import dev.hostkit.docker.Event;
import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an engine (or anything answering on its socket) puts in names, images, statuses, event attributes and error
 * messages reaches the terminal escaped: no ESC, no C1 CSI, no bidi override, no forged line.
 */
class DockerOutputEscapingTest {
    // Sets the terminal title, turns the screen red, hides with a C1 CSI, reverses the text and starts a fake line.
    private static final String HOSTILE = "web\u001b]0;pwned\u0007\u001b[31m\u009b2J\u202eevil\nroot ok";

    private static boolean rawControl(String s) {
        return s.chars().filter(c -> c != '\n').anyMatch(Printable::needsEscape);
    }

    @Test
    void escapeMakesControlsVisibleAndLeavesOrdinaryTextAlone() {
        assertThat(Printable.escape("\u001b[31mred")).isEqualTo("\\x1b[31mred");
        assertThat(Printable.escape("a\u009bb\u007fc\td")).isEqualTo("a\\x9bb\\x7fc\\td");
        assertThat(Printable.escape("\u202eevil\u2028")).isEqualTo("\\u202eevil\\u2028");
        assertThat(Printable.escape("café-日本/web_1.2")).isEqualTo("café-日本/web_1.2");
        assertThat(Printable.escape(null)).isEqualTo("null");
        assertThat(Printable.escapeLines("docker\n  error  \u001b[2J\n")).isEqualTo("docker\n  error  \\x1b[2J\n");
    }

    @Test
    void jsonEscapesWhatATerminalObeysAndStillParsesToTheSameText() throws Exception {
        ContainerSummary c = new ContainerSummary(
                "abc", List.of("/" + HOSTILE), HOSTILE, "sha256:1", "sh", 1, "running", "Up", Map.of("k", HOSTILE));
        String json = DockerPsCommand.toJson(c);
        assertThat(rawControl(json)).as(json).isFalse();
        assertThat(json).doesNotContain("\n").contains("\\u001B", "\\u009b", "\\u202e");
        JsonNode back = new ObjectMapper().readTree(json);
        assertThat(back.get("Image").asText()).isEqualTo(HOSTILE);
        assertThat(back.get("Labels").get("k").asText()).isEqualTo(HOSTILE);

        Event e = new Event("container", "start", HOSTILE, Map.of("name", HOSTILE), 1_700_000_000_000_000_000L);
        assertThat(rawControl(DockerEventsCommand.toJson(e))).isFalse();
        assertThat(DockerEventsCommand.toText(e))
                .doesNotContain("\n")
                .contains("(name=web\\x1b]0;pwned\\x07\\x1b[31m\\x9b2J\\u202eevil\\nroot ok)");
        assertThat(rawControl(DockerEventsCommand.toText(e))).isFalse();
    }

    @Test
    void psEventsAndEngineErrorsPrintEscapedFromAFakeEngine() {
        String container = "{\"Id\":\"0123456789abcdef\",\"Names\":[\"/" + jsonString(HOSTILE) + "\"],\"Image\":\""
                + jsonString(HOSTILE)
                + "\",\"ImageID\":\"sha256:1\",\"Command\":\"sh\",\"Created\":1,\"State\":\"running\",\"Status\":\"Up \\u001b[5m\",\"Labels\":{}}";
        String event =
                "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"0123456789abcdef\",\"Attributes\":{\"name\":\""
                        + jsonString(HOSTILE) + "\"}},\"time\":1700000000,\"timeNano\":1700000000000000000}\n";
        try (FakeDockerEngine engine = FakeDockerEngine.start()
                .on("GET", "/containers/json", Reply.json(200, "[" + container + "]"))
                .on("GET", "/info", Reply.json(200, "{\"SystemTime\":\"2023-11-14T22:13:20.000000000Z\"}"))
                .on("GET", "/events", Reply.json(200, event))) {
            HostkitCommandLineTest.Run ps =
                    HostkitCommandLineTest.hostkit("docker", "ps", "--all", "--host", engine.host());
            assertThat(ps.status()).as(ps.err()).isZero();
            assertThat(rawControl(ps.out())).as(ps.out()).isFalse();
            assertThat(ps.out().lines().toList()).hasSize(2);
            assertThat(ps.out()).contains("web\\x1b]0;pwned\\x07", "Up \\x1b[5m");

            HostkitCommandLineTest.Run events =
                    HostkitCommandLineTest.hostkit("docker", "events", "--max-events", "1", "--host=" + engine.host());
            assertThat(events.status()).as(events.err()).isZero();
            // The snapshot (a header and one line per container), then the event.
            assertThat(events.out().lines().toList()).hasSize(3);
            assertThat(events.out().lines().toList().get(0))
                    .startsWith("snapshot 1 containers since 2023-11-14T22:13:");
            assertThat(events.out().lines().toList().get(1)).startsWith("  0123456789ab running /web\\x1b]0;pwned");
            assertThat(rawControl(events.out())).isFalse();
            assertThat(events.out()).contains("container die 0123456789abcdef (name=web\\x1b]0;pwned");
        }
        try (FakeDockerEngine engine =
                FakeDockerEngine.start().on("GET", "/containers/json", Reply.error(500, "disk \u001b[2Jfull"))) {
            HostkitCommandLineTest.Run ps = HostkitCommandLineTest.hostkit("docker", "ps", "--host", engine.host());
            assertThat(ps.status()).isEqualTo(1);
            assertThat(ps.errLines()).hasSize(1);
            assertThat(ps.err()).contains("disk \\x1b[2Jfull").doesNotContain("\u001b");
        }
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) {
            b.append(ch < 0x20 || ch > 0x7e ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        return b.toString();
    }
}
