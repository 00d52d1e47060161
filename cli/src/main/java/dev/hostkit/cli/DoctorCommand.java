package dev.hostkit.cli;

import dev.hostkit.core.AtomicFiles;
import dev.hostkit.doctor.Doctor;
import dev.hostkit.doctor.DoctorReport;
import dev.hostkit.doctor.PrometheusText;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code hostkit doctor [--json] [--metrics-file FILE] [--state-dir DIR]}: prints the doctor's report. Exit status
 * 0 healthy, 1 warnings, 2 critical.
 */
final class DoctorCommand {
    private DoctorCommand() {
    }

    static int run(String[] args) {
        boolean json = false;
        Path metricsFile = null;
        Path stateDir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--metrics-file" -> metricsFile = Path.of(value(args, ++i, "--metrics-file"));
                case "--state-dir" -> stateDir = Path.of(value(args, ++i, "--state-dir"));
                default -> {
                    System.err.println("hostkit doctor: unknown option '" + args[i] + "'");
                    return 64;
                }
            }
        }
        DoctorReport report = Doctor.examine(Doctor.checks(stateDir));
        if (json) {
            System.out.println(Doctor.toJson(report));
        } else {
            System.out.print(Doctor.toText(report));
        }
        if (metricsFile != null) {
            try {
                AtomicFiles.write(metricsFile, PrometheusText.of(report.metrics()));
            } catch (IOException e) {
                System.err.println("hostkit doctor: cannot write metrics file " + metricsFile + ": " + e.getMessage());
                return 2;
            }
        }
        return report.exitStatus();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
