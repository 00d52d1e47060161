package dev.hostkit.docker;

/**
 * What a finished exec produced: its exit code and captured output (UTF-8).
 * Immutable.
 *
 * @param exitCode the command's exit status
 * @param stdout standard output
 * @param stderr standard error
 */
public record ExecResult(int exitCode, String stdout, String stderr) {}
