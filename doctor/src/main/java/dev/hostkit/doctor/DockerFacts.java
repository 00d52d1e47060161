package dev.hostkit.doctor;

import dev.hostkit.docker.ContainerSummary;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerUnavailableException;
import dev.hostkit.docker.Info;
import dev.hostkit.docker.ListContainersRequest;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a host survey learns from the Docker Engine: its version and container counts, and who exists (for
 * judging orphaned cgroups). Each call uses a one-shot client, so no connection outlives it.
 */
public final class DockerFacts {
    private DockerFacts() {}

    /**
     * What the doctor reports about an engine.
     *
     * @param version the daemon release
     * @param apiVersion the engine's API version
     * @param containers all containers
     * @param running running containers
     * @param paused paused containers
     * @param stopped stopped containers
     */
    public record EngineSummary(
            String version, String apiVersion, long containers, long running, long paused, long stopped) {}

    /**
     * The engine's version and container counts, with a one-shot client (no connection kept).
     *
     * @param host {@code unix:///path}, or null for {@code DOCKER_HOST} / the system socket
     * @return the summary
     * @throws DockerUnavailableException when the engine cannot be reached (the message says why and what to do)
     */
    public static EngineSummary summary(String host) {
        DockerClient.Builder b = DockerClient.builder().oneShot(true);
        if (host != null) {
            b.host(host);
        }
        return OwnEngineConnections.call(() -> {
            try (DockerClient docker = b.build()) {
                Info info = docker.info();
                return new EngineSummary(
                        info.serverVersion(),
                        docker.apiVersion(),
                        info.containers(),
                        info.containersRunning(),
                        info.containersPaused(),
                        info.containersStopped());
            }
        });
    }

    /** The label kubelet's dockershim puts on every container of a pod, the pause container included. */
    public static final String POD_UID_LABEL = "io.kubernetes.pod.uid";

    /**
     * Who exists, as far as the Docker Engine knows, for judging orphaned cgroups.
     *
     * @param containerIds every container the engine has, running or not
     * @param podUids the pods kubelet runs on this engine (from {@value #POD_UID_LABEL}), or {@code null} when it runs
     *                none here: kubelet then uses another runtime, and pods cannot be judged from Docker
     */
    public record LiveIds(Set<String> containerIds, Set<String> podUids) {}

    /**
     * The engine's containers (all of them) and the pods they belong to, with a one-shot client.
     *
     * @param host {@code unix:///path}, or null for {@code DOCKER_HOST} / the system socket
     * @return the ids
     * @throws DockerUnavailableException when the engine cannot be reached
     */
    public static LiveIds liveIds(String host) {
        DockerClient.Builder b = DockerClient.builder().oneShot(true);
        if (host != null) {
            b.host(host);
        }
        List<ContainerSummary> containers = OwnEngineConnections.call(() -> {
            try (DockerClient docker = b.build()) {
                return docker.listContainers(
                        ListContainersRequest.builder().all(true).build());
            }
        });
        Set<String> ids = new HashSet<>();
        Set<String> pods = new HashSet<>();
        for (ContainerSummary c : containers) {
            ids.add(c.id());
            String pod = c.labels().get(POD_UID_LABEL);
            if (pod != null) {
                pods.add(pod);
            }
        }
        return new LiveIds(Set.copyOf(ids), pods.isEmpty() ? null : Set.copyOf(pods));
    }

    /**
     * Who exists according to this host's Docker Engine ({@code DOCKER_HOST} or the system socket), one-shot.
     *
     * @param whyNot receives the reason when the engine cannot be asked
     * @return the ids, or null when the engine cannot be asked
     */
    public static LiveIds liveIdsOrNull(List<String> whyNot) {
        try {
            return liveIds(null);
        } catch (DockerException | IllegalArgumentException e) {
            // Unreachable engine, or a DOCKER_HOST this client cannot use (tcp://): the census still stands.
            whyNot.add(e.getMessage());
            return null;
        }
    }
}
