package dev.hostkit.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code hostkit doctor} found: facts per section, findings with a severity and a remedy, the
 * things it could not see, and Prometheus metrics. Checks add to it; the doctor prints it.
 */
public final class DoctorReport {
    /** How bad a finding is; the highest one decides the exit status (0, 1, 2). INFO is worth knowing, not a problem. */
    public enum Severity {
        OK(0),
        INFO(0),
        WARN(1),
        CRITICAL(2);

        private final int exitStatus;

        Severity(int exitStatus) {
            this.exitStatus = exitStatus;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The monitoring-check exit status: 0 ok (and info), 1 warn, 2 critical. */
        public int exitStatus() {
            return exitStatus;
        }
    }

    /** One problem (or a clean bill), in plain words, with what to do about it. */
    public record Finding(Severity severity, String area, String summary, String remedy) {}

    /** One Prometheus sample: name, help text, optional labels (already formatted) and value. */
    public record Metric(String name, String help, String labels, double value) {}

    private final Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
    private final List<Finding> findings = new ArrayList<>();
    private final List<String> cannotSee = new ArrayList<>();
    private final List<Metric> metrics = new ArrayList<>();

    public Map<String, Object> section(String name) {
        return sections.computeIfAbsent(name, k -> new LinkedHashMap<>());
    }

    public void finding(Severity severity, String area, String summary, String remedy) {
        findings.add(new Finding(severity, area, summary, remedy));
    }

    public void cannotSee(String area, String why) {
        cannotSee.add(area + ": " + why);
    }

    public void metric(String name, String help, double value) {
        metrics.add(new Metric(name, help, "", value));
    }

    public void metric(String name, String help, String labels, double value) {
        metrics.add(new Metric(name, help, labels, value));
    }

    public Map<String, Map<String, Object>> sections() {
        return sections;
    }

    public List<Finding> findings() {
        return findings;
    }

    public List<String> cannotSee() {
        return cannotSee;
    }

    public List<Metric> metrics() {
        return metrics;
    }

    public Severity worst() {
        Severity worst = Severity.OK;
        for (Finding f : findings) {
            if (f.severity().compareTo(worst) > 0) {
                worst = f.severity();
            }
        }
        return worst;
    }

    /** 0 healthy, 1 warnings, 2 critical: the convention of monitoring checks. */
    public int exitStatus() {
        return worst().exitStatus();
    }

    /** The overall status word: ok, warn or critical (info findings leave it ok). */
    public String status() {
        Severity w = worst();
        return w == Severity.INFO ? Severity.OK.label() : w.label();
    }

    /** Appends everything another report holds (a check that ran on its own thread) to this one. */
    void addAll(DoctorReport other) {
        other.sections.forEach((name, facts) -> section(name).putAll(facts));
        findings.addAll(other.findings);
        cannotSee.addAll(other.cannotSee);
        metrics.addAll(other.metrics);
    }
}
