package dev.hostkit.samples;

import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link PollDocker} against the testkit's fake engine: 200 polls, one connection, fds flat. */
class PollDockerTest {
    private static final Pattern FDS = Pattern.compile("fds after poll 1: (\\d+), after poll (\\d+): (\\d+)");
    private static final Pattern CLOSED = Pattern.compile("fds at start: (\\d+), after close: (\\d+)");

    @Test
    void twoHundredPollsUseOneConnectionAndLeaveTheFdCountFlat() throws Exception {
        String two = "[{\"Id\":\"a1\",\"State\":\"running\"},{\"Id\":\"b2\",\"State\":\"running\"}]";
        try (FakeDockerEngine engine = FakeDockerEngine.start().on("GET", "/containers/json", Reply.json(200, two))) {
            SampleRun run = SampleRun.of(PollDocker.class, "200", engine.host());

            assertThat(run.status()).isZero();
            assertThat(run.stdout()).contains("poll 1: 2 running");
            Matcher fds = FDS.matcher(run.stdout());
            assertThat(fds.find()).as(run.stdout()).isTrue();
            assertThat(Integer.parseInt(fds.group(3)))
                    .as("fds after the last poll")
                    .isLessThanOrEqualTo(Integer.parseInt(fds.group(1)));
            Matcher closed = CLOSED.matcher(run.stdout());
            assertThat(closed.find()).as(run.stdout()).isTrue();
            assertThat(Integer.parseInt(closed.group(2)))
                    .as("fds after close")
                    .isLessThan(Integer.parseInt(fds.group(3)));
            assertThat(engine.connectionsAccepted()).isEqualTo(1);
            assertThat(engine.requestLines())
                    .filteredOn(l -> l.endsWith("/containers/json"))
                    .hasSize(200);
        }
    }
}
