package dev.hostkit.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The private Docker Engine that {@code scripts/test} starts ({@code DOCKER_HOST=unix://...}) and its
 * busybox test image ({@code HK_TEST_IMAGE}). Never the system socket: a test must not touch the
 * host's own engine. Containers made through {@link #run} carry a label naming this JVM's run so the
 * leak check finds any left behind.
 *
 * <pre>{@code
 * @HostTest
 * class ContainerWatchIT {
 *     @Test
 *     void seesTheContainersInitProcess(DockerEngine engine) {        // skipped (failed under CI) without an engine
 *         String id = engine.run(TestNames.next("c"), "sleep", "60");  // busybox, --network none, labelled
 *         try {
 *             assertThat(engine.pid(id)).isPositive();
 *             assertThat(engine.docker("inspect", "-f", "{{.State.Running}}", id)).isEqualTo("true");
 *         } finally {
 *             engine.remove(id);
 *         }
 *     }
 * }
 * }</pre>
 */
public final class DockerEngine {
    /** The label put on every container a test makes. */
    public static final String LABEL = "dev.hostkit.test";

    private static final String SYSTEM_SOCKET = "/var/run/docker.sock";

    private final Path socket;
    private final String image;

    private DockerEngine(Path socket, String image) {
        this.socket = socket;
        this.image = image;
    }

    /**
     * The harness's engine, or a skip (a failure under {@code CI=true}) when there is none.
     *
     * @return the engine named by {@code DOCKER_HOST}
     */
    public static DockerEngine fromEnvironment() {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || !host.startsWith("unix://")) {
            Prerequisites.unavailable("needs the private Docker Engine of scripts/test (DOCKER_HOST=unix://...), found "
                    + (host == null ? "no DOCKER_HOST" : "DOCKER_HOST=" + host));
        }
        Path socket = Path.of(host.substring("unix://".length()));
        if (socket.normalize().toString().equals(SYSTEM_SOCKET)
                || socket.normalize().toString().equals("/run/docker.sock")) {
            Prerequisites.unavailable("refusing the system Docker socket " + socket + ": tests use a private engine");
        }
        if (!Files.exists(socket)) {
            Prerequisites.unavailable(
                    "DOCKER_HOST socket " + socket + " does not exist (is the private dockerd running?)");
        }
        Prerequisites.requireCommand("docker");
        return new DockerEngine(socket, System.getenv().getOrDefault("HK_TEST_IMAGE", "hostkit-test/busybox:latest"));
    }

    /** The engine's unix socket. */
    public Path socket() {
        return socket;
    }

    /** {@code unix:///path}, the form {@code DOCKER_HOST} and {@code docker -H} take. */
    public String host() {
        return "unix://" + socket;
    }

    /** The busybox image imported by the harness (no registry is reachable). */
    public String testImage() {
        return image;
    }

    /**
     * Runs the docker CLI against this engine and returns its output.
     *
     * @param args arguments after {@code docker -H HOST}
     * @return standard output, stripped
     */
    public String docker(String... args) {
        return Sh.run(command(args)).strip();
    }

    /**
     * Like {@link #docker}, but returns the whole result instead of failing on a non-zero exit.
     *
     * @param args arguments after {@code docker -H HOST}
     * @return status and output
     */
    public Sh.Result tryDocker(String... args) {
        return Sh.exec(command(args));
    }

    private String[] command(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", host()));
        cmd.addAll(Arrays.asList(args));
        return cmd.toArray(String[]::new);
    }

    /**
     * Starts a detached busybox container with {@code --network none}, labelled for the leak check.
     *
     * @param name container name (use {@link TestNames#next})
     * @param command what it runs, e.g. {@code sleep 600}; empty for {@code sleep 3600}
     * @return the container id
     */
    public String run(String name, String... command) {
        List<String> cmd = new ArrayList<>(List.of(
                "run",
                "-d",
                "--name",
                name,
                "--network",
                "none",
                "--label",
                LABEL + "=" + TestNames.RUN_PREFIX,
                image));
        cmd.addAll(command.length == 0 ? List.of("sleep", "3600") : Arrays.asList(command));
        return docker(cmd.toArray(String[]::new));
    }

    /** The host pid of a running container's init process. */
    public int pid(String container) {
        return Integer.parseInt(docker("inspect", "-f", "{{.State.Pid}}", container));
    }

    /** Removes a container, running or not; a container already gone is fine. */
    public void remove(String container) {
        tryDocker("rm", "-f", "-v", container);
    }

    /** Ids of the containers (running or not) that this JVM's tests made and have not removed. */
    public List<String> ourContainers() {
        String out = docker("ps", "-aq", "--no-trunc", "--filter", "label=" + LABEL + "=" + TestNames.RUN_PREFIX);
        return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
    }
}
