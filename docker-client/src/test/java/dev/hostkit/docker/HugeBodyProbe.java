package dev.hostkit.docker;

import dev.hostkit.testkit.docker.FakeDockerEngine;
import dev.hostkit.testkit.docker.Reply;

import java.time.Duration;

/**
 * Run in its own JVM with {@code -Xmx64m} by {@link HostileEngineTest}: a 1 GB {@code Content-Length} under the default
 * limit, then under a limit raised past the heap (the engine sends 1 MiB and stalls). Prints one line per call.
 */
public final class HugeBodyProbe {
    private HugeBodyProbe() {}

    public static void main(String[] args) {
        String body = "[" + "{}".repeat(1 << 19) + "{}" + " ".repeat(0); // ~1 MiB of a 1 GB promise
        try (FakeDockerEngine fake = FakeDockerEngine.start()
                .on("GET", "/images/json", Reply.json(200, body).header("Content-Length", "1073741824"))) {
            try (DockerClient docker =
                    DockerClient.builder().host(fake.host()).apiVersion("1.41").build()) {
                docker.listImages();
                System.out.println("probe: no error");
            } catch (DockerException e) {
                System.out.println("probe: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            try (DockerClient docker = DockerClient.builder()
                    .host(fake.host())
                    .apiVersion("1.41")
                    .maxListBytes(Integer.MAX_VALUE - 16)
                    .callTimeout(Duration.ofSeconds(1))
                    .build()) {
                docker.listImages();
                System.out.println("probe: no error");
            } catch (DockerException e) {
                System.out.println("probe: " + e.getClass().getSimpleName() + ": "
                        + e.getMessage().replace(fake.socket().toString(), "SOCKET"));
            }
        }
    }
}
