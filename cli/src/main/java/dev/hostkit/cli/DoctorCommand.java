package dev.hostkit.cli;

import dev.hostkit.core.Printable;
import dev.hostkit.doctor.Doctor;
import dev.hostkit.doctor.DoctorReport;
import dev.hostkit.doctor.PrometheusText;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code hostkit doctor}: prints the doctor's report and optionally writes its metrics for node_exporter. The exit
 * status is the host's health (0, 1, 2); a metrics file that cannot be written is its own status, 3. With
 * {@code --check NAME --npd [--root DIR]}: one check as a node-problem-detector plugin ({@link NpdCheck}: 0 ok,
 * 1 problem, 2 could not look).
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description =
                "Host health report: kernel and file handles, memory cgroups, macvlans, the guardian's state, Docker.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:healthy",
            " 1:warnings",
            " 2:critical",
            " 3:report printed, but the metrics file could not be written",
            "64:bad usage"
        })
final class DoctorCommand implements Callable<Integer> {
    static final int EX_METRICS_FILE = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Option(
            names = "--metrics-file",
            paramLabel = "FILE",
            description = "Also write Prometheus text here, atomically (node_exporter's textfile collector).")
    Path metricsFile;

    @Option(
            names = "--metrics-mode",
            paramLabel = "MODE",
            defaultValue = "0644",
            converter = FileMode.Parser.class,
            description =
                    "Octal file mode of the metrics file (default: ${DEFAULT-VALUE}: node_exporter runs as another user); no group or other write.")
    FileMode metricsMode;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "The guardian's state directory: adds the guardian section.")
    Path stateDir;

    @Option(
            names = "--clients-history",
            paramLabel = "FILE",
            description =
                    "Keep the Docker socket clients' survey here between runs: adds growth per process and the age of the oldest connection.")
    Path clientsHistory;

    @Option(
            names = "--check-timeout",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description =
                    "How long each check may take before it is reported as timed out (0.1..3600, default: ${DEFAULT-VALUE}).")
    double checkTimeout;

    @Option(
            names = "--check",
            paramLabel = "NAME",
            description = "With --npd: run one check as a node-problem-detector plugin: "
                    + "MacvlanLost, MemcgIdPressure, DockerEngineDown or DockerSocketLeak.")
    String check;

    @Option(
            names = "--npd",
            description =
                    "With --check: one line of at most 80 characters, exit 0 ok, 1 problem, 2 could not look (NPD's meaning).")
    boolean npd;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            description = "With --npd: where the host's / is (default: $HOSTKIT_ROOT, else /).")
    String root;

    @Override
    public Integer call() {
        if (npd || check != null || root != null) {
            return npd();
        }
        Duration deadline = Seconds.of(spec, "--check-timeout", checkTimeout, 0.1, 3600);
        DoctorReport report = Doctor.examine(Doctor.checks(stateDir, clientsHistory), deadline);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Doctor.toJson(report));
        } else {
            // Facts come from Docker, cgroupfs and state files: nothing in them may drive the terminal.
            out.print(Printable.escapeLines(Doctor.toText(report)));
        }
        out.flush();
        if (metricsFile != null) {
            try {
                MetricsFiles.write(metricsFile, PrometheusText.of(report.metrics()), metricsMode.permissions());
            } catch (IOException e) {
                spec.commandLine()
                        .getErr()
                        .println("hostkit doctor: cannot write metrics file " + metricsFile + ": "
                                + MetricsFiles.why(e));
                return EX_METRICS_FILE;
            }
        }
        return report.exitStatus();
    }

    /** One check, one line on stdout, NPD's exit status ({@link NpdCheck}); a bad name is an answer too: NPD shows stdout. */
    private int npd() {
        PrintWriter out = spec.commandLine().getOut();
        if (!npd || check == null || json || metricsFile != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--check NAME goes with --npd (and --root with both), without --json or --metrics-file");
        }
        NpdCheck.Answer a = NpdCheck.answer(check, root, stateDir, System.getenv());
        out.println(a.line());
        out.flush();
        return a.status();
    }

    /** A file mode no one but the owner can write, e.g. 0644 or 0640. */
    record FileMode(Set<PosixFilePermission> permissions) {
        /** {@code 0644}, {@code 644} or {@code 0640}. */
        static final class Parser implements ITypeConverter<FileMode> {
            @Override
            public FileMode convert(String value) {
                int mode;
                try {
                    mode = Integer.parseInt(value, 8);
                } catch (NumberFormatException e) {
                    throw new TypeConversionException("'" + value + "' is not an octal file mode such as 0644");
                }
                if (mode < 0 || mode > 0777) {
                    throw new TypeConversionException("'" + value + "' is not a file mode in 0000..0777");
                }
                if ((mode & 0022) != 0) {
                    throw new TypeConversionException("'" + value + "' lets group or others write the metrics file");
                }
                StringBuilder rwx = new StringBuilder();
                for (int shift = 6; shift >= 0; shift -= 3) {
                    int bits = mode >> shift;
                    rwx.append((bits & 4) != 0 ? 'r' : '-')
                            .append((bits & 2) != 0 ? 'w' : '-')
                            .append((bits & 1) != 0 ? 'x' : '-');
                }
                return new FileMode(PosixFilePermissions.fromString(rwx.toString()));
            }
        }
    }
}
