package dev.hostkit.docker;

import java.util.List;

/**
 * {@code GET /images/{name}/json}, the identifying fields.
 * Immutable.
 *
 * @param id image id
 * @param repoTags tags
 * @param created RFC 3339 creation time
 * @param size size in bytes
 * @param os operating system
 * @param architecture architecture
 */
public record ImageInspect(
        String id, List<String> repoTags, String created, long size, String os, String architecture) {}
