package dev.hostkit.samples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code hostkit doctor} found: facts per section, findings with a severity and a remedy, the
 * things it could not see, and Prometheus metrics. Checks add to it; the doctor prints it.
 */
final class DoctorReport {
    /** How bad a finding is; the highest one decides the exit status (0, 1, 2). */
    enum Severity {
        OK, WARN, CRITICAL;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One problem (or a clean bill), in plain words, with what to do about it. */
    record Finding(Severity severity, String area, String summary, String remedy) {
    }

    /** One Prometheus sample: name, help text, optional labels (already formatted) and value. */
    record Metric(String name, String help, String labels, double value) {
    }

    private final Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
    private final List<Finding> findings = new ArrayList<>();
    private final List<String> cannotSee = new ArrayList<>();
    private final List<Metric> metrics = new ArrayList<>();

    Map<String, Object> section(String name) {
        return sections.computeIfAbsent(name, k -> new LinkedHashMap<>());
    }

    void finding(Severity severity, String area, String summary, String remedy) {
        findings.add(new Finding(severity, area, summary, remedy));
    }

    void cannotSee(String area, String why) {
        cannotSee.add(area + ": " + why);
    }

    void metric(String name, String help, double value) {
        metrics.add(new Metric(name, help, "", value));
    }

    void metric(String name, String help, String labels, double value) {
        metrics.add(new Metric(name, help, labels, value));
    }

    Map<String, Map<String, Object>> sections() {
        return sections;
    }

    List<Finding> findings() {
        return findings;
    }

    List<String> cannotSee() {
        return cannotSee;
    }

    List<Metric> metrics() {
        return metrics;
    }

    Severity worst() {
        Severity worst = Severity.OK;
        for (Finding f : findings) {
            if (f.severity().compareTo(worst) > 0) {
                worst = f.severity();
            }
        }
        return worst;
    }

    /** 0 healthy, 1 warnings, 2 critical: the convention of monitoring checks. */
    int exitStatus() {
        return worst().ordinal();
    }
}
