package dev.hostkit.samples;

import dev.hostkit.core.ProcFs;
import dev.hostkit.docker.ContainerSummary;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.ListContainersRequest;

import java.util.List;

/**
 * Incident 3: an agent polling the Docker socket leaked one fd per poll (a new HTTP transport per call, its idle
 * keep-alive connection never closed). The cure is one client for the process, closed once: its pool reuses the
 * connection, and every response is released. This program polls and prints the fd count to show it stays flat.
 *
 * <p>{@code PollDocker [POLLS [DOCKER_HOST]]}: DOCKER_HOST defaults to the environment's, then /var/run/docker.sock.
 */
public final class PollDocker {
    private PollDocker() {}

    public static void main(String[] args) {
        int polls = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        DockerClient.Builder builder = DockerClient.builder();
        if (args.length > 1) {
            builder.host(args[1]);
        }
        int atStart = ProcFs.openFdCount();
        int afterFirst = 0;
        try (DockerClient docker = builder.build()) { // one client for every poll
            for (int i = 1; i <= polls; i++) {
                List<ContainerSummary> running = docker.listContainers(ListContainersRequest.RUNNING);
                if (i == 1) {
                    afterFirst = ProcFs.openFdCount(); // the pooled connection is open now
                    System.out.println("poll 1: " + running.size() + " running");
                }
            }
            System.out.println(
                    "fds after poll 1: " + afterFirst + ", after poll " + polls + ": " + ProcFs.openFdCount());
        } // close(): the pool's connections are closed
        System.out.println("fds at start: " + atStart + ", after close: " + ProcFs.openFdCount());
    }
}
