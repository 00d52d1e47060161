package dev.hostkit.samples;

import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link PollDocker} against the private Docker Engine with one container of ours running. */
@HostTest
class PollDockerIT {
    private static final Pattern FDS = Pattern.compile("fds after poll 1: (\\d+), after poll 100: (\\d+)");

    @Test
    void pollsTheRealEngineWithoutGrowingTheFdCount(DockerEngine engine) throws Exception {
        String id = engine.run(TestNames.next("c"), "sleep", "60");
        try {
            SampleRun run = SampleRun.of(PollDocker.class, "100", System.getenv("DOCKER_HOST"));

            assertThat(run.status()).isZero();
            assertThat(run.stdout()).containsPattern("poll 1: [1-9]\\d* running");
            Matcher fds = FDS.matcher(run.stdout());
            assertThat(fds.find()).as(run.stdout()).isTrue();
            assertThat(Integer.parseInt(fds.group(2))).isLessThanOrEqualTo(Integer.parseInt(fds.group(1)));
        } finally {
            engine.remove(id);
        }
    }
}
