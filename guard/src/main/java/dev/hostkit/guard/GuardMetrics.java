package dev.hostkit.guard;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A consistent copy of the guardian's counters at one moment, with the Prometheus text form
 * (node_exporter textfile style) of the same numbers.
 *
 * @param repairsOk interfaces put back since start
 * @param repairsFailed failed repair attempts since start
 * @param conflicts conflicts reported since start
 * @param dropped snapshots dropped because their namespace went away or was replaced
 * @param lost interface losses seen since start
 * @param interfacesGuarded interfaces with a snapshot now
 * @param interfacesMissing guarded interfaces now missing (waiting for their parent or for a retry)
 * @param lastRepairMillis how long the last successful repair took, 0 before the first
 * @param stateFileErrors state files that could not be read or written since start
 * @param lookErrors failed looks (a namespace or the host's links that could not be read) since start, by reason
 *                   (an errno name such as {@code EACCES}, or what failed); nothing is forgotten on them
 */
public record GuardMetrics(
        long repairsOk,
        long repairsFailed,
        long conflicts,
        long dropped,
        long lost,
        int interfacesGuarded,
        int interfacesMissing,
        double lastRepairMillis,
        long stateFileErrors,
        Map<String, Long> lookErrors) {
    /** Copies the map, sorted by reason. */
    public GuardMetrics {
        lookErrors = Collections.unmodifiableMap(new TreeMap<>(lookErrors));
    }

    /** The counters without look errors (as before they were counted). */
    public GuardMetrics(
            long repairsOk,
            long repairsFailed,
            long conflicts,
            long dropped,
            long lost,
            int interfacesGuarded,
            int interfacesMissing,
            double lastRepairMillis,
            long stateFileErrors) {
        this(
                repairsOk,
                repairsFailed,
                conflicts,
                dropped,
                lost,
                interfacesGuarded,
                interfacesMissing,
                lastRepairMillis,
                stateFileErrors,
                Map.of());
    }

    /** All look errors since start, whatever the reason. */
    public long lookErrorsTotal() {
        return lookErrors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The counters in Prometheus text exposition format 0.0.4. */
    public String toPrometheusText() {
        StringBuilder b = new StringBuilder(1024);
        metric(
                b,
                "hostkit_guard_repairs_total",
                "counter",
                "Interfaces recreated, by result.",
                "result=\"ok\"",
                repairsOk);
        sample(b, "hostkit_guard_repairs_total", "result=\"failed\"", repairsFailed);
        metric(
                b,
                "hostkit_guard_conflicts_total",
                "counter",
                "Interfaces left alone because the name has another configuration.",
                null,
                conflicts);
        metric(
                b,
                "hostkit_guard_dropped_total",
                "counter",
                "Snapshots dropped because the namespace is gone or was replaced.",
                null,
                dropped);
        metric(b, "hostkit_guard_lost_total", "counter", "Guarded interfaces seen disappearing.", null, lost);
        metric(b, "hostkit_guard_interfaces_guarded", "gauge", "Interfaces with a snapshot.", null, interfacesGuarded);
        metric(
                b,
                "hostkit_guard_interfaces_missing",
                "gauge",
                "Guarded interfaces currently missing.",
                null,
                interfacesMissing);
        metric(
                b,
                "hostkit_guard_last_repair_seconds",
                "gauge",
                "Duration of the last successful repair.",
                null,
                lastRepairMillis / 1000.0);
        metric(
                b,
                "hostkit_guard_state_file_errors_total",
                "counter",
                "State files that could not be read or written.",
                null,
                stateFileErrors);
        b.append(
                "# HELP hostkit_guard_look_errors_total Looks that failed (nothing is forgotten on them), by reason.\n");
        b.append("# TYPE hostkit_guard_look_errors_total counter\n");
        lookErrors.forEach((reason, n) -> sample(b, "hostkit_guard_look_errors_total", "reason=\"" + reason + "\"", n));
        return b.toString();
    }

    private static void metric(StringBuilder b, String name, String type, String help, String labels, double value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        sample(b, name, labels, value);
    }

    private static void sample(StringBuilder b, String name, String labels, double value) {
        b.append(name);
        if (labels != null) {
            b.append('{').append(labels).append('}');
        }
        b.append(' ');
        if (value == Math.rint(value) && !Double.isInfinite(value)) {
            b.append((long) value);
        } else if (Double.isInfinite(value)) {
            b.append(value > 0 ? "+Inf" : "-Inf"); // the exposition format's spelling, not Java's "Infinity"
        } else {
            b.append(Decimals.fixed(value, 6));
        }
        b.append('\n');
    }
}
