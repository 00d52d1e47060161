package dev.hostkit.docker;

/**
 * A container's {@code State} from inspect: whether it runs, its pid and how it ended.
 * Immutable.
 *
 * @param status {@code created}, {@code running}, {@code exited}, ...
 * @param running whether it runs
 * @param paused whether it is paused
 * @param restarting whether it is restarting
 * @param oomKilled whether the kernel OOM killer ended it
 * @param dead whether it is dead
 * @param pid host pid of its init process (0 when not running): an {@code int}, as Linux pids are, so it goes
 *            straight to {@code NetNamespace.ofPid}
 * @param exitCode exit status of the last run
 * @param error the engine's error text for the last run
 * @param startedAt RFC 3339 start time
 * @param finishedAt RFC 3339 end time
 */
public record ContainerState(
        String status,
        boolean running,
        boolean paused,
        boolean restarting,
        boolean oomKilled,
        boolean dead,
        int pid,
        long exitCode,
        String error,
        String startedAt,
        String finishedAt) {}
