package dev.hostkit.docker;

/**
 * One resource sample from {@code GET /containers/{id}/stats}, with the previous CPU sample for rates.
 * Zero where the engine has no number (e.g. a stopped container).
 *
 * @param read when the sample was taken (RFC 3339)
 * @param cpuTotalUsage container CPU time, ns
 * @param systemCpuUsage host CPU time, ns
 * @param preCpuTotalUsage container CPU time at the previous sample, ns
 * @param preSystemCpuUsage host CPU time at the previous sample, ns
 * @param onlineCpus CPUs
 * @param memoryUsage memory in use, bytes
 * @param memoryLimit memory limit, bytes
 * @param pids processes
 * @param networkRxBytes bytes received over all interfaces
 * @param networkTxBytes bytes sent over all interfaces
 */
public record Stats(
        String read,
        long cpuTotalUsage,
        long systemCpuUsage,
        long preCpuTotalUsage,
        long preSystemCpuUsage,
        long onlineCpus,
        long memoryUsage,
        long memoryLimit,
        long pids,
        long networkRxBytes,
        long networkTxBytes) {
    /** CPU use between the two samples in percent of one CPU times {@code onlineCpus} (as {@code docker stats}). */
    public double cpuPercent() {
        long cpu = cpuTotalUsage - preCpuTotalUsage;
        long sys = systemCpuUsage - preSystemCpuUsage;
        return sys > 0 && cpu > 0 ? (double) cpu / sys * Math.max(1, onlineCpus) * 100.0 : 0.0;
    }
}
