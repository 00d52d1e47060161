package dev.hostkit.docker;

import java.util.List;
import java.util.Map;

/**
 * One row of {@code GET /images/json}.
 * Immutable.
 *
 * @param id image id ({@code sha256:...})
 * @param repoTags tags, e.g. {@code busybox:latest}
 * @param created creation time, epoch seconds
 * @param size size in bytes
 * @param labels labels
 */
public record ImageSummary(String id, List<String> repoTags, long created, long size, Map<String, String> labels) {}
