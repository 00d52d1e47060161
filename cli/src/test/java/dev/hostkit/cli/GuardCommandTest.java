package dev.hostkit.cli;

import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GuardCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondGuardianOnOneStateDirectoryExitsNonZeroWithOneLineNamingTheLock() throws Exception {
        Path dir = tmp.resolve("state");
        try (MacvlanGuardian first = MacvlanGuardian.builder()
                .stateDir(dir)
                .namespaces(NamespaceSource.of(List.of()))
                .build()) {
            Run r = run(
                    "--state-dir",
                    dir.toString(),
                    "--once",
                    "--netns",
                    tmp.resolve("none").toString());
            assertThat(r.status).isEqualTo(2);
            assertThat(r.stderr)
                    .isEqualTo("hostkit guard: cannot start: state directory " + dir
                            + " is in use by another guardian (pid "
                            + ProcessHandle.current().pid() + "): it holds the lock " + dir.resolve("guardian.lock")
                            + "\n");
        }
    }

    @Test
    void anEmptyStateDirectoryIsRefusedAndTheWorkingDirectoryKeepsItsMode() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        Object before = Files.getAttribute(cwd, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Run r = run("--state-dir", "", "--once");
        assertThat(r.status).isEqualTo(2);
        assertThat(r.stderr)
                .isEqualTo(
                        "hostkit guard: cannot start: state directory is an empty path; give the directory explicitly\n");
        assertThat(Files.getAttribute(cwd, "unix:mode", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(before);
    }

    @Test
    void announceTakesACountOfRoundsWithZeroForOffAndRefusesOthersWithOneLine() {
        assertThat(announceOf("--state-dir", "/x")).isEqualTo(3);
        assertThat(announceOf("--state-dir", "/x", "--announce", "0")).isZero();
        assertThat(announceOf("--state-dir", "/x", "--announce", "5")).isEqualTo(5);
        Run r = run("--state-dir", tmp.toString(), "--announce", "-1", "--once");
        assertThat(r.status).isEqualTo(64);
        assertThat(r.stderr).contains("--announce must be a count of rounds in 0..100 (0: off), was -1");
    }

    @Test
    void aMalformedMetricsAddressIsAUsageErrorWithNothingStarted() {
        Path dir = tmp.resolve("state");
        Run r = run("--state-dir", dir.toString(), "--metrics-address", "example.org:9464");
        assertThat(r.status).isEqualTo(64);
        assertThat(r.stderr.lines().findFirst().orElseThrow())
                .isEqualTo("hostkit guard: --metrics-address 'example.org:9464': 'example.org' is not an IPv4 address;"
                        + " give an IP address (names are not resolved) and an IPv6 address in brackets");
        assertThat(dir).doesNotExist();
        Run once = run("--state-dir", dir.toString(), "--once", "--metrics-address", ":9464");
        assertThat(once.status).isEqualTo(64);
        assertThat(once.stderr).contains("--metrics-address serves a running guardian; it does nothing with --once");
        assertThat(dir).doesNotExist();
    }

    @Test
    void aMetricsPortInUseStopsTheGuardWithOneLineBeforeAnythingStarts() throws Exception {
        Path dir = tmp.resolve("state");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = run("--state-dir", dir.toString(), "--metrics-address", "127.0.0.1:" + taken.getLocalPort());
            assertThat(r.status).isEqualTo(2);
            assertThat(r.stderr)
                    .isEqualTo("hostkit guard: cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                            + ": the port is in use\n");
        }
        assertThat(dir).doesNotExist(); // the guardian was never built: no state directory, no lock
    }

    @Test
    void warmUpIsOnByDefaultOffWithNoWarmUpOrZeroAndRefusesOutOfRangeWithOneLine() {
        assertThat(warmUpOf("--state-dir", "/x")).isEqualTo(20);
        assertThat(warmUpOf("--state-dir", "/x", "--warm-up", "0")).isZero();
        assertThat(warmUpOf("--state-dir", "/x", "--warm-up", "7")).isEqualTo(7);
        assertThat(warmUpOf("--state-dir", "/x", "--no-warm-up")).isZero();
        Run r = run("--state-dir", tmp.toString(), "--warm-up", "1001", "--once");
        assertThat(r.status).isEqualTo(64);
        assertThat(r.stderr).contains("--warm-up must be a count of repairs in 0..1000 (0: off), was 1001");
    }

    private static int warmUpOf(String... args) {
        GuardCommand c = new GuardCommand();
        new picocli.CommandLine(c).parseArgs(args);
        return c.noWarmUp ? 0 : c.warmUp;
    }

    private static int announceOf(String... args) {
        GuardCommand c = new GuardCommand();
        new picocli.CommandLine(c).parseArgs(args);
        return c.announce;
    }

    private record Run(int status, String stderr) {}

    private static synchronized Run run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(GuardCommand.run(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
