package dev.hostkit.cli;

import dev.hostkit.testkit.cgroups.CgroupFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The picocli-free way into a node-problem-detector plugin: exactly the plugin command lines, the same answers. */
class NpdLaunchTest {
    @TempDir
    Path dir;

    @Test
    void readsThePluginCommandLineInAnyOrderLastValueWinning() {
        assertThat(NpdLaunch.parse(new String[] {"doctor", "--check", "MacvlanLost", "--npd"}))
                .isEqualTo(new NpdLaunch.Invocation("MacvlanLost", null, null));
        assertThat(NpdLaunch.parse(new String[] {
                    "doctor", "--npd", "--root", "/a", "--check", "X", "--state-dir", "/s", "--root", "/host", "--debug"
                }))
                .isEqualTo(new NpdLaunch.Invocation("X", "/host", Path.of("/s")));
    }

    @Test
    void leavesEverythingElseToPicocli() {
        for (String line : new String[] {
            "doctor --check MacvlanLost",
            "doctor --npd --check",
            "doctor --npd --check --json",
            "doctor --check=MacvlanLost --npd",
            "doctor --check MacvlanLost --npd --json",
            "doctor --check MacvlanLost --npd --help",
            "cgroups --check MacvlanLost --npd",
            "doctor --check MacvlanLost --npd extra",
        }) {
            assertThat(NpdLaunch.parse(line.split(" "))).as(line).isNull();
        }
        assertThat(NpdLaunch.parse(new String[] {"doctor", "--check", "MacvlanLost", "--npd", "--state-dir", "a\0b"}))
                .isNull();
    }

    @Test
    void answersAsTheDoctorCommandDoesOnAFixtureAt65500MemoryCgroups() {
        Path root = CgroupFixture.kernel310KmemNearlyFull().build(dir);
        for (String check : new String[] {"MemcgIdPressure", "NoSuchCheck"}) {
            String[] args = {"doctor", "--check", check, "--npd", "--root", root.toString()};
            ByteArrayOutputStream fast = new ByteArrayOutputStream();
            int fastStatus =
                    NpdLaunch.run(NpdLaunch.parse(args), new PrintStream(fast, true, StandardCharsets.UTF_8), Map.of());
            ByteArrayOutputStream viaPicocli = new ByteArrayOutputStream();
            int picocliStatus = Hostkit.run(
                    new PrintStream(viaPicocli, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    args);
            assertThat(fast.toString(StandardCharsets.UTF_8))
                    .as(check)
                    .isEqualTo(viaPicocli.toString(StandardCharsets.UTF_8));
            assertThat(fastStatus).as(check).isEqualTo(picocliStatus);
        }
    }
}
