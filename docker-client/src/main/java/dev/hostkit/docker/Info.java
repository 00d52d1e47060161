package dev.hostkit.docker;

/**
 * The parts of {@code GET /info} a host agent needs: counts, storage and cgroup setup.
 * Numbers are 0 and strings empty where the engine left them out.
 *
 * @param id engine id
 * @param name host name
 * @param serverVersion daemon release
 * @param containers all containers
 * @param containersRunning running containers
 * @param containersPaused paused containers
 * @param containersStopped stopped containers
 * @param images images
 * @param driver storage driver
 * @param cgroupDriver {@code cgroupfs} or {@code systemd}
 * @param cgroupVersion {@code 1} or {@code 2}
 * @param kernelVersion host kernel
 * @param operatingSystem host OS
 * @param cpus CPUs
 * @param memTotal memory in bytes
 * @param dockerRootDir the engine's data root
 */
public record Info(
        String id,
        String name,
        String serverVersion,
        long containers,
        long containersRunning,
        long containersPaused,
        long containersStopped,
        long images,
        String driver,
        String cgroupDriver,
        String cgroupVersion,
        String kernelVersion,
        String operatingSystem,
        long cpus,
        long memTotal,
        String dockerRootDir) {}
