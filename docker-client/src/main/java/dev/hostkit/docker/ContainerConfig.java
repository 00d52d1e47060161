package dev.hostkit.docker;

import java.util.List;
import java.util.Map;

/**
 * A container's {@code Config} from inspect. Environment values may be secrets: {@link #toString()}
 * shows only the variable names.
 *
 * @param hostname host name inside the container
 * @param user user it runs as
 * @param env environment as {@code NAME=value} entries
 * @param cmd command
 * @param entrypoint entry point
 * @param image image reference it was created from
 * @param workingDir working directory
 * @param labels labels
 * @param tty whether it has a TTY (logs are then not multiplexed)
 */
public record ContainerConfig(
        String hostname,
        String user,
        List<String> env,
        List<String> cmd,
        List<String> entrypoint,
        String image,
        String workingDir,
        Map<String, String> labels,
        boolean tty) {
    @Override
    public String toString() {
        return "ContainerConfig[hostname=" + hostname + ", user=" + user + ", env=" + Redaction.envNames(env)
                + ", cmd=" + cmd + ", entrypoint=" + entrypoint + ", image=" + image + ", workingDir=" + workingDir
                + ", labels=" + labels + ", tty=" + tty + "]";
    }
}
