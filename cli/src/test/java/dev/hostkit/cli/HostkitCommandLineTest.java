package dev.hostkit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line itself: every command answers --help and --version with exit 0, every malformed invocation is one
 * line (plus a hint) and exit 64 without a stack trace, and both {@code --opt=value} and {@code --opt value} work.
 * Nothing here runs a survey or touches Docker: the invocations either stop at parsing or at a missing path.
 */
class HostkitCommandLineTest {
    /** What one invocation printed and returned. */
    record Run(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run hostkit(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Hostkit.run(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "doctor", "cgroups", "docker", "docker ps", "docker events", "guard", "completion"})
    void everyCommandAnswersHelpAndVersionWithExitZero(String command) {
        String[] words = command.isEmpty() ? new String[0] : command.split(" ");
        for (String flag : List.of("--help", "-h", "--version", "-V")) {
            String[] args = new String[words.length + 1];
            System.arraycopy(words, 0, args, 0, words.length);
            args[words.length] = flag;
            Run r = hostkit(args);
            assertThat(r.status())
                    .as("hostkit %s %s: %s", command, flag, r.err())
                    .isZero();
            assertThat(r.err()).isEmpty();
            if (flag.startsWith("--h") || flag.equals("-h")) {
                assertThat(r.out()).startsWith("Usage: hostkit" + (command.isEmpty() ? "" : " " + command));
            } else {
                assertThat(r.out()).startsWith("hostkit ");
            }
        }
    }

    @Test
    void helpCommandAndTheDoctorsHelpNameItsOptionsAndExitStatuses() {
        Run r = hostkit("help", "doctor");
        assertThat(r.status()).isZero();
        assertThat(r.out())
                .contains(
                        "--state-dir=DIR",
                        "--metrics-file=FILE",
                        "--metrics-mode=MODE",
                        "--check-timeout=SECONDS",
                        "3   report printed, but the metrics file could not be written");
        assertThat(hostkit("--help").out()).contains("doctor", "cgroups", "docker", "guard", "completion");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "bogus",
                "doctor --state-dir",
                "doctor --frobnicate",
                "doctor extra",
                "doctor --check-timeout abc",
                "doctor --check-timeout 0",
                "doctor --check-timeout=-1",
                "doctor --metrics-mode 0666",
                "doctor --metrics-mode rw",
                "doctor --metrics-file --json",
                "doctor @/etc/passwd",
                "cgroups --top",
                "cgroups --top x",
                "cgroups --top=-1",
                "cgroups --root",
                "docker",
                "docker bogus",
                "docker --host",
                "docker ps --host",
                "docker ps --host=tcp://127.0.0.1:2375",
                "docker ps --frobnicate",
                "docker events --all",
                "guard",
                "guard --state-dir",
                "guard --state-dir /nonexistent --resync-seconds x",
                "guard --state-dir /nonexistent --resync-seconds 0",
                "guard --state-dir=/nonexistent --parent=bad/name",
                "completion extra",
            })
    void malformedInvocationsPrintOneLineAndAHintAndExit64(String command) {
        Run r = hostkit(command.isEmpty() ? new String[0] : command.split(" "));
        assertThat(r.status()).as("hostkit %s: %s", command, r.err()).isEqualTo(64);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(2);
        assertThat(r.errLines().get(0)).startsWith("hostkit").doesNotContain("Exception", "\tat ");
        assertThat(r.errLines().get(1)).matches("Try 'hostkit( [a-z]+)* --help' for usage\\.");
    }

    @Test
    void usageErrorsSayWhatWasWrong() {
        assertThat(hostkit("doctor", "--state-dir").errLines().get(0))
                .isEqualTo("hostkit doctor: Missing required parameter for option '--state-dir' (DIR)");
        assertThat(hostkit("bogus").errLines().get(0)).isEqualTo("hostkit: unknown command 'bogus'");
        assertThat(hostkit("cgroups", "--top", "x").errLines().get(0)).contains("'--top'", "'x' is not an int");
        assertThat(hostkit("doctor", "--metrics-mode", "0666").errLines().get(0))
                .contains("lets group or others write");
        // "@file" is an argument like any other, never the content of a file
        assertThat(hostkit("doctor", "@/etc/passwd").errLines().get(0))
                .isEqualTo("hostkit doctor: unexpected argument '@/etc/passwd'");
    }

    @Test
    void debugAddsTheStackTrace() {
        Run r = hostkit("doctor", "--debug", "--state-dir");
        assertThat(r.status()).isEqualTo(64);
        assertThat(r.err()).contains("MissingParameterException", "\tat picocli.");
    }

    @Test
    void optionValuesWorkWithAndWithoutEqualsSign() {
        // A root that is not a cgroup host stops at "cannot inspect" (70) once the options parsed.
        Run spaced = hostkit("cgroups", "--top", "3", "--root", "/nonexistent-hk-root");
        Run joined = hostkit("cgroups", "--top=3", "--root=/nonexistent-hk-root");
        assertThat(spaced.status()).as(spaced.err()).isEqualTo(70);
        assertThat(joined.status()).as(joined.err()).isEqualTo(70);
        assertThat(joined.err())
                .isEqualTo(spaced.err())
                .startsWith("hostkit cgroups: cannot inspect the memory cgroups");
        // A socket that does not exist is "unavailable" (69) whichever way --host is given, and wherever.
        for (String[] args : List.of(
                new String[] {"docker", "ps", "--host", "unix:///nonexistent-hk/docker.sock"},
                new String[] {"docker", "ps", "--host=unix:///nonexistent-hk/docker.sock"},
                new String[] {"docker", "-H", "unix:///nonexistent-hk/docker.sock", "ps", "--all"},
                new String[] {"docker", "--host=unix:///nonexistent-hk/docker.sock", "ps", "-a", "--json"})) {
            Run r = hostkit(args);
            assertThat(r.status()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(69);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err()).startsWith("hostkit docker: ").contains("does not exist");
        }
    }

    @Test
    void completionPrintsABashScriptForEveryCommandAndOption() {
        Run r = hostkit("completion");
        assertThat(r.status()).isZero();
        assertThat(r.out())
                .contains(
                        "complete -F",
                        "doctor",
                        "cgroups",
                        "docker",
                        "guard",
                        "--state-dir",
                        "--check-timeout",
                        "--resync-seconds",
                        "events");
    }
}
