package dev.hostkit.cli;

import dev.hostkit.guard.GuardMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.function.Supplier;

/**
 * The guardian's counters as Prometheus client snapshots: one {@link GuardMetrics} copy per scrape, so every family of
 * one scrape describes the same moment. Names, types, labels and help are those of
 * {@link GuardMetrics#toPrometheusText()} (the {@code --metrics-file} output), so the rules in
 * {@code deploy/prometheus} work on either source; {@code GuardMetricsCollectorTest} holds the two together.
 */
final class GuardMetricsCollector implements MultiCollector {
    private final Supplier<GuardMetrics> metrics;

    GuardMetricsCollector(Supplier<GuardMetrics> metrics) {
        this.metrics = metrics;
    }

    @Override
    public MetricSnapshots collect() {
        GuardMetrics m = metrics.get();
        // Counter names without "_total": the client's writers add it to each sample, as the text file has it.
        CounterSnapshot.Builder lookErrors = CounterSnapshot.builder()
                .name("hostkit_guard_look_errors")
                .help("Looks that failed (nothing is forgotten on them), by reason.");
        m.lookErrors().forEach((reason, n) -> lookErrors.dataPoint(counter(n, "reason", reason)));
        return MetricSnapshots.of(
                CounterSnapshot.builder()
                        .name("hostkit_guard_repairs")
                        .help("Interfaces recreated, by result.")
                        .dataPoint(counter(m.repairsOk(), "result", "ok"))
                        .dataPoint(counter(m.repairsFailed(), "result", "failed"))
                        .build(),
                counter(
                        "hostkit_guard_conflicts",
                        "Interfaces left alone because the name has another configuration.",
                        m.conflicts()),
                counter(
                        "hostkit_guard_dropped",
                        "Snapshots dropped because the namespace is gone or was replaced.",
                        m.dropped()),
                counter("hostkit_guard_lost", "Guarded interfaces seen disappearing.", m.lost()),
                gauge("hostkit_guard_interfaces_guarded", "Interfaces with a snapshot.", m.interfacesGuarded()),
                gauge(
                        "hostkit_guard_interfaces_missing",
                        "Guarded interfaces currently missing.",
                        m.interfacesMissing()),
                gauge(
                        "hostkit_guard_last_repair_seconds",
                        "Duration of the last successful repair.",
                        m.lastRepairMillis() / 1000.0),
                counter(
                        "hostkit_guard_state_file_errors",
                        "State files that could not be read or written.",
                        m.stateFileErrors()),
                lookErrors.build());
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return CounterSnapshot.builder()
                .name(name)
                .help(help)
                .dataPoint(CounterDataPointSnapshot.builder().value(value).build())
                .build();
    }

    private static CounterDataPointSnapshot counter(long value, String label, String labelValue) {
        return CounterDataPointSnapshot.builder()
                .value(value)
                .labels(Labels.of(label, labelValue))
                .build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder()
                .name(name)
                .help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
                .build();
    }
}
