package dev.hostkit.cli;

import dev.hostkit.core.AtomicFiles;
import dev.hostkit.doctor.Doctor;
import dev.hostkit.doctor.DoctorReport;
import dev.hostkit.doctor.PrometheusText;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code hostkit doctor [--json] [--metrics-file FILE] [--state-dir DIR]}: prints the doctor's report. Exit status
 * 0 healthy, 1 warnings, 2 critical. {@code hostkit doctor --check NAME --npd [--state-dir DIR] [--root DIR]}: one
 * check as a node-problem-detector plugin ({@link NpdCheck}: exit 0 ok, 1 problem, 2 unknown).
 */
final class DoctorCommand {
    private DoctorCommand() {
    }

    static int run(String[] args) {
        boolean json = false;
        Path metricsFile = null;
        Path stateDir = null;
        String check = null;
        boolean npd = false;
        String root = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = true;
                    case "--metrics-file" -> metricsFile = Path.of(value(args, ++i, "--metrics-file"));
                    case "--state-dir" -> stateDir = Path.of(value(args, ++i, "--state-dir"));
                    case "--check" -> check = value(args, ++i, "--check");
                    case "--npd" -> npd = true;
                    case "--root" -> root = value(args, ++i, "--root");
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
            if (npd != (check != null) || (npd && (json || metricsFile != null))) {
                throw new IllegalArgumentException("--check NAME goes with --npd (one check as a node-problem-detector plugin), "
                        + "without --json or --metrics-file");
            }
            if (npd) {
                return npd(NpdCheck.Name.parse(check), HostRoot.of(root, System.getenv()), stateDir);
            }
            if (root != null) {
                throw new IllegalArgumentException("--root goes with --check NAME --npd");
            }
        } catch (IllegalArgumentException e) {
            if (npd) {
                // NPD shows stdout as the condition's message and treats a bad exit status as unknown: say why there.
                System.out.println(new NpdCheck.Answer(NpdCheck.UNKNOWN, "hostkit doctor: " + e.getMessage()).line());
                return NpdCheck.UNKNOWN;
            }
            System.err.println("hostkit doctor: " + e.getMessage());
            return 64;
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

    /** One check, one line on stdout, NPD's exit status. */
    private static int npd(NpdCheck.Name name, Path root, Path stateDir) {
        NpdCheck.Answer a = NpdCheck.check(name, root, stateDir, System.getenv());
        System.out.println(a.line());
        return a.status();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
