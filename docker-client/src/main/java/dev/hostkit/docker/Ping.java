package dev.hostkit.docker;

/**
 * What {@code HEAD /_ping} tells about an engine before any versioned call.
 * Empty strings where the engine sent no header.
 *
 * @param apiVersion the engine's highest API version ({@code API-Version} header), e.g. {@code 1.41}
 * @param osType {@code linux} or {@code windows}
 * @param experimental whether experimental features are on
 */
public record Ping(String apiVersion, String osType, boolean experimental) {}
