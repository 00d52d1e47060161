package dev.hostkit.cli;

import dev.hostkit.testkit.HostTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/cds-training/guard.classlist, from which deploy/install-hostkit.sh dumps the guardian's archive, against a
 * real guardian run now (make-guard-classlist.sh: warm-up and one repair in namespaces of its own): every hostkit
 * class the run loads is in the kept list, so no guardian class is left out of the archive unnoticed.
 */
@HostTest
class GuardClassListIT {
    private static final Path DIR = Path.of("..", "deploy", "cds-training");

    @TempDir
    Path dir;

    private static Set<String> hostkitClasses(Path list) throws Exception {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(list)) {
            if (line.startsWith("dev/hostkit/")) {
                out.add(line.split(" ", 2)[0]);
            }
        }
        return out;
    }

    @Test
    void theKeptClassListHasEveryHostkitClassAGuardianRunLoads() throws Exception {
        Path fresh = dir.resolve("guard.classlist");
        Process p = new ProcessBuilder(List.of(
                        "sh",
                        DIR.resolve("make-guard-classlist.sh").toString(),
                        Path.of("target", "hostkit.jar").toString(),
                        fresh.toString()))
                .redirectErrorStream(true)
                .start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(out).isZero();
        Set<String> now = hostkitClasses(fresh);
        assertThat(now).as("a guardian run loads hostkit classes").hasSizeGreaterThan(100);
        Set<String> missing = new TreeSet<>(now);
        missing.removeAll(hostkitClasses(DIR.resolve("guard.classlist")));
        assertThat(missing)
                .as("classes a guardian loads that deploy/cds-training/guard.classlist lacks: run "
                        + "deploy/cds-training/make-guard-classlist.sh cli/target/hostkit.jar and commit the list")
                .isEmpty();
    }
}
