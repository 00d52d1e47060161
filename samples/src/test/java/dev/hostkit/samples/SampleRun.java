package dev.hostkit.samples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program's main run as a user runs it: in a JVM of its own, on the test class path; its exit status and stdout.
 * Stderr goes to the test's output.
 *
 * @param status exit status
 * @param stdout everything it printed
 */
public record SampleRun(int status, String stdout) {

    /** Runs {@code mainClass} with {@code args}; fails if it takes over two minutes. */
    public static SampleRun of(String mainClass, String... args) throws IOException, InterruptedException {
        // Surefire and Failsafe may hand the forked JVM a manifest-only jar; they publish the real class path apart.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                throw new AssertionError(mainClass + " did not finish in 2 minutes; printed: " + out);
            }
            return new SampleRun(p.exitValue(), out);
        } finally {
            p.destroyForcibly();
        }
    }

    /** Runs one of the sample programs. */
    public static SampleRun of(Class<?> mainClass, String... args) throws IOException, InterruptedException {
        return of(mainClass.getName(), args);
    }
}
