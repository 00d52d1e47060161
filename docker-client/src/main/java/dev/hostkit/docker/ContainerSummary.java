package dev.hostkit.docker;

import java.util.List;
import java.util.Map;

/**
 * One row of {@code GET /containers/json}, as the engine reports it (names keep their leading '/').
 * Immutable.
 *
 * @param id full container id
 * @param names names, e.g. {@code /web}
 * @param image the image as the container was created from it
 * @param imageId the image's id
 * @param command the command line
 * @param created creation time, epoch seconds
 * @param state {@code created}, {@code running}, {@code exited}, ...
 * @param status human text, e.g. {@code Up 3 minutes}
 * @param labels labels
 */
public record ContainerSummary(
        String id,
        List<String> names,
        String image,
        String imageId,
        String command,
        long created,
        String state,
        String status,
        Map<String, String> labels) {}
