package dev.hostkit.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the host's {@code /} is seen from this process: {@code --root DIR}, else {@code $HOSTKIT_ROOT} (set in
 * node-problem-detector's DaemonSet, where the host is mounted at {@code /host}), else {@code /}.
 */
final class HostRoot {
    /** The environment variable naming the host root, as deploy/node-problem-detector/README.md sets it. */
    static final String ENV = "HOSTKIT_ROOT";

    private HostRoot() {}

    /**
     * The host root.
     *
     * @param option the value of {@code --root}, or null when not given
     * @param env the process environment
     * @throws IllegalArgumentException when the value is empty
     */
    static Path of(String option, Map<String, String> env) {
        String value = option != null ? option : env.getOrDefault(ENV, "/");
        if (value.isBlank()) {
            throw new IllegalArgumentException((option != null ? "--root" : "$" + ENV) + " is empty");
        }
        return Path.of(value).toAbsolutePath().normalize();
    }

    /** Whether {@code root} is this process's own {@code /}. */
    static boolean isSlash(Path root) {
        return root.equals(Path.of("/"));
    }
}
