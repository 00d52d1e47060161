package dev.hostkit.docker;

/**
 * The engine's {@code GET /version}: release and API versions of the daemon.
 * Empty strings for fields an engine does not report.
 *
 * @param version the daemon release, e.g. {@code 20.10.24}
 * @param apiVersion its highest API version
 * @param minApiVersion its lowest API version
 * @param os operating system
 * @param arch architecture
 * @param kernelVersion host kernel
 * @param gitCommit build commit
 * @param goVersion Go release it was built with
 */
public record Version(
        String version,
        String apiVersion,
        String minApiVersion,
        String os,
        String arch,
        String kernelVersion,
        String gitCommit,
        String goVersion) {}
