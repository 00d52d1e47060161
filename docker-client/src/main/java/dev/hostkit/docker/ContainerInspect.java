package dev.hostkit.docker;

/**
 * {@code GET /containers/{id}/json}, the fields agents use. Its {@code toString()} never shows
 * environment values (see {@link ContainerConfig}).
 *
 * @param id full id
 * @param name name with its leading '/'
 * @param image id of the image
 * @param created RFC 3339 creation time
 * @param state run state
 * @param config creation-time configuration
 * @param networkMode {@code HostConfig.NetworkMode}
 * @param restartCount how often the engine restarted it
 */
public record ContainerInspect(
        String id,
        String name,
        String image,
        String created,
        ContainerState state,
        ContainerConfig config,
        String networkMode,
        long restartCount) {}
