package dev.hostkit.cli;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GuardLaunchTest {
    @Test
    void theDeployedCommandLinesReadToWhatPicocliReads() {
        for (List<String> line : List.of(
                List.of("guard", "--state-dir", "/var/lib/hostkit/guard", "--metrics-file", "/t/hostkit_guard.prom"),
                List.of(
                        "guard",
                        "--state-dir",
                        "/s",
                        "--parent",
                        "eth0.3",
                        "--parent",
                        "bond4.3",
                        "--resync-seconds",
                        "0.5",
                        "--netns",
                        "/run/netns/a",
                        "--netns",
                        "/run/netns/b",
                        "--announce",
                        "0",
                        "--warm-up",
                        "7"),
                List.of("guard", "--state-dir", "/s", "--once", "--recreate-vlan-parents", "--no-warm-up"),
                List.of("guard", "--state-dir", "/s", "--metrics-address", "127.0.0.1:9464", "--state-dir", "/t"))) {
            String[] args = line.toArray(String[]::new);
            assertThat(GuardLaunch.parse(args)).as("%s", line).isEqualTo(picocli(args));
        }
    }

    @Test
    void anythingElseIsLeftToPicocli() {
        for (List<String> line : List.of(
                List.of("guard", "--state-dir=/s", "--once"),
                List.of("guard", "--state-dir", "/s", "--debug"),
                List.of("guard", "--state-dir", "/s", "--help"),
                List.of("guard", "--parent", "eth0", "--once"), // --state-dir is required
                List.of("guard", "--state-dir", "--once", "x"), // a value that looks like an option
                List.of("guard", "--state-dir", "/s", "--announce"), // a missing value
                List.of("guard", "--state-dir", "/s", "--announce", "three"),
                List.of("guard", "--state-dir", "/s", "--announce", "101"),
                List.of("guard", "--state-dir", "/s", "--resync-seconds", "0.01"),
                List.of("guard", "--state-dir", "/s", "--parent", "a/b"),
                List.of("guard", "--state-dir", "/s", "--once", "--metrics-address", ":9464"),
                List.of("guard", "--state-dir", "/s", "--metrics-address", "example.org:1"),
                List.of("guard", "--state-dir", "/s", "--state-dir\0", "x"),
                List.of("guard", "--state-dir", "a\0b", "--once"),
                List.of("guard", "--state-dir", "/s", "extra"),
                List.of("doctor", "--state-dir", "/s", "--once"))) {
            assertThat(GuardLaunch.parse(line.toArray(String[]::new)))
                    .as("%s", line)
                    .isNull();
        }
    }

    private static GuardDaemon.Options picocli(String[] args) {
        GuardCommand c = new GuardCommand();
        new picocli.CommandLine(c)
                .setOverwrittenOptionsAllowed(true)
                .parseArgs(Arrays.copyOfRange(args, 1, args.length));
        return c.request().check();
    }
}
