package dev.hostkit.docker;

import dev.hostkit.testkit.DockerEngine;

/**
 * jnr/jffi start a process-wide cleaner thread and load native code the first time a jnr socket is
 * used; doing that once before the leak baselines keeps it from counting as a test's leak.
 */
final class NativeWarmUp {
    private static boolean done;

    private NativeWarmUp() {}

    static synchronized void once() {
        if (done) {
            return;
        }
        done = true;
        String host = System.getenv("DOCKER_HOST");
        if (host == null || !host.startsWith("unix://")) {
            return;
        }
        for (DockerClient.Transport t : DockerClient.Transport.values()) {
            try (DockerClient docker = DockerClient.builder()
                    .host(DockerEngine.fromEnvironment().host())
                    .transport(t)
                    .build()) {
                docker.ping();
            } catch (RuntimeException e) {
                // The tests themselves report an unreachable engine.
            }
        }
    }
}
