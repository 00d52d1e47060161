package dev.hostkit.testkit;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The command line of a child JVM that runs one of this test's classes (a second guardian, a probe under a small
 * heap): the same {@code java}, and every entry of this JVM's class path and module path as the child's class path,
 * since Surefire runs the tests of a module with a {@code module-info} on the module path.
 *
 * <pre>{@code
 * Process p = new ProcessBuilder(TestJvm.command(List.of("-Xmx64m"), Probe.class, "arg")).start();
 * }</pre>
 */
public final class TestJvm {
    private TestJvm() {}

    /** This JVM's class path and module path, joined as one class path. */
    public static String classPath() {
        return Stream.of(System.getProperty("java.class.path"), System.getProperty("jdk.module.path"))
                .filter(s -> s != null && !s.isEmpty())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * {@code java OPTIONS -cp CLASSPATH MAIN ARGS}.
     *
     * @param jvmOptions options before the class path, e.g. {@code -Xmx64m}
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the command, ready for a {@link ProcessBuilder}
     */
    public static List<String> command(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
