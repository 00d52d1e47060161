package dev.hostkit.doctor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prometheus text exposition format (version 0.0.4): HELP and TYPE once per metric name, then samples. */
public final class PrometheusText {
    private PrometheusText() {}

    public static String of(List<DoctorReport.Metric> metrics) {
        Map<String, StringBuilder> byName = new LinkedHashMap<>();
        for (DoctorReport.Metric m : metrics) {
            StringBuilder b = byName.computeIfAbsent(
                    m.name(),
                    n -> new StringBuilder()
                            .append("# HELP ")
                            .append(n)
                            .append(' ')
                            .append(m.help().replace("\\", "\\\\").replace("\n", "\\n"))
                            .append('\n')
                            .append("# TYPE ")
                            .append(n)
                            .append(" gauge\n"));
            b.append(m.name());
            if (!m.labels().isEmpty()) {
                b.append('{').append(m.labels()).append('}');
            }
            b.append(' ').append(format(m.value())).append('\n');
        }
        StringBuilder out = new StringBuilder();
        byName.values().forEach(out::append);
        return out.toString();
    }

    private static String format(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** Escapes a label value. */
    static String label(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
