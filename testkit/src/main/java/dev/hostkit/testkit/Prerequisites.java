package dev.hostkit.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an integration test needs from the machine (root, a command, a private Docker Engine). When it
 * is missing the test is skipped with the reason printed; under {@code CI=true} it fails instead, so
 * CI never passes by skipping.
 *
 * <pre>{@code
 * @Test
 * void readsTheRealMemoryHierarchy() {
 *     Prerequisites.requireRoot();
 *     Prerequisites.requireWritableDirectory(Path.of("/sys/fs/cgroup/memory"));
 *     ...
 * }
 * }</pre>
 */
public final class Prerequisites {
    private Prerequisites() {}

    /** True when running under CI ({@code CI=true}), where missing prerequisites fail the run. */
    public static boolean strict() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Requires uid 0 (namespaces, links, cgroups). */
    public static void requireRoot() {
        if (!isRoot()) {
            unavailable("needs root (uid 0) for namespaces, links and cgroups");
        }
    }

    /** True when this process runs as uid 0. */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }

    /** Requires an executable on the PATH, e.g. {@code ip}. */
    public static void requireCommand(String command) {
        if (Sh.which(command) == null) {
            unavailable("needs the command '" + command + "' on the PATH");
        }
    }

    /** Requires a writable directory, e.g. a cgroup controller mount. */
    public static void requireWritableDirectory(Path dir) {
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            unavailable("needs the writable directory " + dir);
        }
    }

    /**
     * Skips (or, under CI, fails) the current test with {@code reason}.
     *
     * @param reason what is missing, printed to stderr as well
     */
    public static void unavailable(String reason) {
        System.err.println("[hostkit-testkit] " + (strict() ? "FAIL (CI=true): " : "SKIP: ") + reason);
        if (strict()) {
            Assertions.fail("missing prerequisite under CI=true: " + reason);
        }
        Assumptions.abort(reason);
    }
}
