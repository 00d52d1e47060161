package dev.hostkit.doctor;

import java.nio.file.Path;

/**
 * The doctor's survey as a library call, for a program that embeds it (an agent that reports host health, the doctor
 * benchmark): the same checks and JSON as {@code hostkit doctor --json}, without printing, metrics file or exit.
 */
public final class DoctorSurvey {
    private DoctorSurvey() {}

    /**
     * Runs every check once and returns the report.
     *
     * @param stateDir the guardian's state directory, or {@code null} to leave the guardian section out
     * @return the report as JSON, exactly as {@code hostkit doctor --json} prints it
     */
    public static String json(Path stateDir) {
        return Doctor.toJson(Doctor.examine(Doctor.checks(stateDir)));
    }
}
