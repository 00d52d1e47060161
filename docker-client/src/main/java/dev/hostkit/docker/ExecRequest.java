package dev.hostkit.docker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A non-interactive command to run in a running container, output captured. Environment values
 * are kept out of {@link #toString()}.
 *
 * @param cmd the command and its arguments
 * @param env extra environment
 * @param user user to run as, or empty for the container's
 * @param workingDir working directory, or empty
 */
public record ExecRequest(List<String> cmd, Map<String, String> env, String user, String workingDir) {
    /** Canonical constructor; copies and checks. */
    public ExecRequest {
        if (cmd == null || cmd.isEmpty()) {
            throw new IllegalArgumentException("an exec needs a command");
        }
        cmd = List.copyOf(cmd);
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        user = user == null ? "" : user;
        workingDir = workingDir == null ? "" : workingDir;
    }

    /** Runs {@code cmd} with the container's environment, user and directory. */
    public static ExecRequest of(String... cmd) {
        return new ExecRequest(List.of(cmd), Map.of(), "", "");
    }

    @Override
    public String toString() {
        return "ExecRequest[cmd=" + cmd + ", env=" + env.keySet() + ", user=" + user + ", workingDir=" + workingDir
                + "]";
    }
}
