package dev.hostkit.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.guard.NamespaceSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The host survey as a library: the standard checks, running them into one report, and its renderings. One call, no
 * configuration, on any Linux host. Each check adds facts and findings; a check that cannot look (not root, no Docker
 * socket, no v1 memory controller) says so and the doctor goes on. Exit status 0 healthy, 1 warnings,
 * 2 critical.
 */
public final class Doctor {
    /** One area of the report; a check that throws is reported as a blind spot, never a crash. */
    public interface Check {
        /** The report section and blind-spot name this check fills. */
        String area();

        /** Adds facts and findings; throwing makes the area a blind spot. */
        void run(DoctorReport report) throws Exception;
    }

    private Doctor() {}

    /**
     * The standard checks of this host.
     *
     * @param stateDir the guardian's state directory, or {@code null} to leave the guardian section out
     * @return the checks, in report order
     */
    public static List<Check> checks(Path stateDir) {
        return checks(stateDir, null);
    }

    /**
     * The standard checks of this host, the Docker socket clients' survey remembered in {@code clientsHistory}.
     *
     * @param stateDir the guardian's state directory, or {@code null} to leave the guardian section out
     * @param clientsHistory the file keeping the previous Docker socket survey (for growth and connection age), or
     *                       {@code null} for none
     * @return the checks, in report order
     */
    public static List<Check> checks(Path stateDir, Path clientsHistory) {
        List<Check> checks = new ArrayList<>();
        LinkDumps dumps = new LinkDumps();
        checks.add(new HostCheck());
        checks.add(new MacvlanCheck(NamespaceSource.hostDefault(), dumps));
        checks.add(new CgroupsCheck());
        checks.add(new DockerCheck());
        checks.add(new DockerSocketClientsCheck(null, clientsHistory, DockerSocketClients.DEFAULT_THRESHOLD));
        if (stateDir != null) {
            checks.add(new GuardianStateCheck(stateDir, NamespaceSource.hostDefault(), dumps));
        }
        return checks;
    }

    /**
     * The guardian section's check alone, as {@link #checks(Path)} makes it: for a caller that wants only that (a
     * node-problem-detector plugin, a fresh process), without building and loading the other checks.
     *
     * @param stateDir the guardian's state directory
     */
    public static Check guardianCheck(Path stateDir) {
        return new GuardianStateCheck(stateDir);
    }

    /** How long a check may take when the caller does not say: a stuck engine or mount must not hide the rest. */
    public static final Duration DEFAULT_CHECK_DEADLINE = Duration.ofSeconds(10);

    /** {@link #examine(List, Duration)} with {@link #DEFAULT_CHECK_DEADLINE}. */
    public static DoctorReport examine(List<Check> checks) {
        return examine(checks, DEFAULT_CHECK_DEADLINE);
    }

    /**
     * Runs the checks at once, each on its own thread into its own report (they wait on different things: the kernel,
     * cgroupfs, the Docker socket), and merges the reports in the checks' order, so the output does not depend on timing.
     * A check still running when its deadline passes is reported as a blind spot ("timed out after N s") and left
     * behind on its daemon thread; nothing it wrote is merged, so a half-filled section never shows.
     *
     * @param checks the checks, in report order
     * @param deadline how long each check may take, counted from the common start
     * @return the merged report
     */
    public static DoctorReport examine(List<Check> checks, Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("check deadline must be positive, got " + deadline);
        }
        List<DoctorReport> parts = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (Check check : checks) {
            DoctorReport part = new DoctorReport();
            parts.add(part);
            Thread t = new Thread(() -> runCheck(check, part), "hostkit-doctor-" + check.area());
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        long end = System.nanoTime() + deadline.toNanos();
        DoctorReport report = new DoctorReport();
        for (int i = 0; i < checks.size(); i++) {
            Thread t = threads.get(i);
            try {
                long left = end - System.nanoTime();
                if (left > 0) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                report.cannotSee(checks.get(i).area(), "interrupted");
                continue;
            }
            if (t.isAlive()) {
                t.interrupt();
                report.cannotSee(checks.get(i).area(), "timed out after " + seconds(deadline) + " s");
                continue;
            }
            report.addAll(parts.get(i));
        }
        Severity worst = report.worst();
        report.metric("hostkit_doctor_status", "Worst finding: 0 ok, 1 warn, 2 critical.", worst.exitStatus());
        for (Severity s : Severity.values()) {
            long n = report.findings().stream().filter(f -> f.severity() == s).count();
            report.metric("hostkit_doctor_findings", "Findings by severity.", "severity=\"" + s.label() + "\"", n);
        }
        report.metric(
                "hostkit_doctor_blind_spots",
                "Areas the doctor could not inspect.",
                report.cannotSee().size());
        return report;
    }

    /** 10, or 2.5: whole seconds without a fraction. */
    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0
                ? Long.toString(ms / 1000)
                : BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString();
    }

    private static void runCheck(Check check, DoctorReport part) {
        try {
            check.run(part);
        } catch (Exception | LinkageError e) {
            part.cannotSee(check.area(), String.valueOf(e.getMessage()));
        }
    }

    /** The report as the text {@code hostkit doctor} prints. */
    public static String toText(DoctorReport report) {
        StringBuilder out = new StringBuilder("hostkit doctor\n");
        report.sections().forEach((name, facts) -> {
            out.append('\n').append(name).append('\n');
            facts.forEach((k, v) -> {
                if (v instanceof List<?> list) {
                    out.append(String.format("  %-24s %s%n", k, list.isEmpty() ? "none" : ""));
                    list.forEach(item -> out.append("    ").append(textOf(item)).append('\n'));
                } else {
                    out.append(String.format("  %-24s %s%n", k, v));
                }
            });
        });
        out.append("\nfindings\n");
        if (report.findings().isEmpty()) {
            out.append("  none\n");
        }
        for (DoctorReport.Finding f : report.findings()) {
            out.append(String.format("  [%s] %s: %s%n", f.severity().label(), f.area(), f.summary()));
            if (f.remedy() != null && !f.remedy().isEmpty()) {
                out.append("         remedy: ").append(f.remedy()).append('\n');
            }
        }
        if (!report.cannotSee().isEmpty()) {
            out.append("\ncould not see\n");
            report.cannotSee().forEach(s -> out.append("  ").append(s).append('\n'));
        }
        out.append("\nstatus: ").append(report.status()).append('\n');
        return out.toString();
    }

    /** A list item on one line: a map as its values joined, everything else as it prints. */
    private static String textOf(Object item) {
        if (item instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder();
            m.forEach((k, v) -> {
                if (v != null) {
                    b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v);
                }
            });
            return b.toString();
        }
        return String.valueOf(item);
    }

    /** The report as one JSON object, as {@code hostkit doctor --json} prints it. */
    public static String toJson(DoctorReport report) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", report.status());
        out.putAll(report.sections());
        List<Map<String, Object>> findings = new ArrayList<>();
        for (DoctorReport.Finding f : report.findings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("severity", f.severity().label());
            m.put("area", f.area());
            m.put("summary", f.summary());
            m.put("remedy", f.remedy());
            findings.add(m);
        }
        out.put("findings", findings);
        out.put("cannotSee", report.cannotSee());
        try {
            return new ObjectMapper()
                    .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                    .writeValueAsString(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    /** Whether this process runs with uid 0. */
    public static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status"))
                    .lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
