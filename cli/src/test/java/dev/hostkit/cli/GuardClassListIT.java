package dev.hostkit.cli;

import dev.hostkit.testkit.HostTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
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
 * class the run loads is in the kept list, and every hostkit lambda the list names still exists, so nothing of the
 * guardian's is left out of the archive unnoticed.
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

    /**
     * The kept list's hostkit lambdas whose implementation method no longer exists as listed. javac numbers a class's
     * lambdas by their place in the source ({@code lambda$pass$1}), so an edit renames them; a proxy the archive then
     * lacks is spun at its first use, with its LambdaForms: milliseconds in a guardian's first repair. (Which lambdas
     * a run uses depends on what the host does meanwhile, so the fresh run's lambdas are not compared.)
     */
    private static Set<String> staleLambdas(Path list) throws Exception {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(list)) {
            if (!line.startsWith("@lambda-proxy dev/hostkit/")) {
                continue;
            }
            // @lambda-proxy CALLER NAME INVOKED_TYPE ERASED_TYPE KIND IMPL_CLASS IMPL_NAME IMPL_TYPE INSTANTIATED_TYPE
            String[] f = line.split(" ");
            if (!f[6].startsWith("dev/hostkit/") || !f[7].startsWith("lambda$")) {
                continue; // a method reference to a named method: renamed only on purpose
            }
            Class<?> impl = Class.forName(f[6].replace('/', '.'), false, GuardClassListIT.class.getClassLoader());
            boolean found = false;
            for (Method m : impl.getDeclaredMethods()) {
                if (m.getName().equals(f[7])
                        && MethodType.methodType(m.getReturnType(), m.getParameterTypes())
                                .toMethodDescriptorString()
                                .equals(f[8])) {
                    found = true;
                }
            }
            if (!found) {
                out.add(f[6] + "." + f[7] + f[8]);
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
        assertThat(staleLambdas(DIR.resolve("guard.classlist")))
                .as("lambdas in deploy/cds-training/guard.classlist that no longer exist (renumbered by an edit): run "
                        + "deploy/cds-training/make-guard-classlist.sh cli/target/hostkit.jar and commit the list")
                .isEmpty();
    }
}
