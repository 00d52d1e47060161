package dev.hostkit.doctor;

import dev.hostkit.core.Printable;
import dev.hostkit.doctor.DoctorReport.Severity;
import dev.hostkit.netlink.UnixSocketClients;
import dev.hostkit.netlink.UnixSocketClients.ClientProcess;
import dev.hostkit.netlink.UnixSocketClients.Growth;
import dev.hostkit.netlink.UnixSocketClients.Survey;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every process connected to the Docker engine's socket with its connection and idle counts, a WARN finding per
 * process over the threshold, and (with a history file) growth since the previous run and first sight of the oldest
 * connection. A history file that cannot be used is ignored with a one-line note; it never fails the check.
 */
final class DockerSocketClientsCheck implements Doctor.Check {
    static final String AREA = "dockerClients";
    /** Per-process gauges are kept for this many of the biggest holders only, so the series stay bounded. */
    static final int TOP = 10;

    private final String host;
    private final Path history;
    private final int threshold;

    /**
     * @param host {@code unix:///path}, or null for {@code DOCKER_HOST} / the system socket
     * @param history the file keeping the previous survey, or null for none (no growth then)
     * @param threshold connections a process may hold before it is reported
     */
    DockerSocketClientsCheck(String host, Path history, int threshold) {
        if (threshold < 0) {
            throw new IllegalArgumentException("threshold must be at least 0, got " + threshold);
        }
        this.host = host;
        this.history = history;
        this.threshold = threshold;
    }

    @Override
    public String area() {
        return AREA;
    }

    @Override
    public void run(DoctorReport report) {
        Path socket = DockerSocketClients.socketPath(host);
        Survey survey = DockerSocketClients.survey(socket);
        Previous previous = previous(socket, survey.takenAt());
        fill(report, survey, previous.value(), previous.note(), threshold);
        if (history != null) {
            try {
                SurveyHistory.write(history, survey, previous.value());
            } catch (IOException | RuntimeException e) {
                report.section(AREA).put("historyNote", "cannot write " + history + ": " + e.getMessage());
            }
        }
    }

    private record Previous(SurveyHistory.Previous value, String note) {}

    private Previous previous(Path socket, Instant now) {
        if (history == null) {
            return new Previous(null, null);
        }
        try {
            Optional<SurveyHistory.Previous> p = SurveyHistory.read(history, socket, now);
            if (p.isEmpty() || !p.get().survey().takenAt().isBefore(now)) {
                return new Previous(null, p.isEmpty() ? null : "ignored " + history + ": taken no earlier than now");
            }
            return new Previous(p.get(), null);
        } catch (IOException | RuntimeException e) {
            return new Previous(null, "ignored " + history + ": " + e.getMessage());
        }
    }

    /**
     * The section, findings and metrics of one survey, with growth and first sights when {@code previous} (may be
     * null) is an earlier survey of the same socket.
     */
    static void fill(
            DoctorReport report, Survey survey, SurveyHistory.Previous previous, String historyNote, int threshold) {
        Map<String, Growth> growth = new HashMap<>();
        if (previous != null) {
            for (Growth g : UnixSocketClients.growth(previous.survey(), survey)) {
                growth.put(key(g.process().pid(), g.process().startTicks()), g);
            }
        }
        Map<String, Object> s = report.section(AREA);
        s.put("socket", survey.socketPath().toString());
        s.put("connections", survey.connections());
        s.put("processes", survey.clients().size());
        s.put("unowned", survey.unowned());
        s.put("threshold", threshold);
        if (previous != null) {
            s.put("previousSurvey", previous.survey().takenAt().toString());
        }
        if (historyNote != null) {
            s.put("historyNote", historyNote);
        }
        List<Map<String, Object>> clients = new ArrayList<>();
        for (ClientProcess c : survey.clients()) {
            Growth g = growth.get(key(c.process().pid(), c.process().startTicks()));
            Instant since = previous == null ? null : previous.oldestSince(c, survey.takenAt());
            Map<String, Object> m = DockerSocketClients.row(c);
            // The kernel keeps no creation time: a connection is dated by the earliest survey that saw it.
            m.put("oldestSeenSince", since == null || since.equals(survey.takenAt()) ? null : since.toString());
            m.put("before", g == null ? null : g.before());
            m.put("perMinute", g == null ? null : Math.round(g.perMinute() * 10) / 10.0);
            clients.add(m);
        }
        s.put("clients", clients);
        for (ClientProcess c : DockerSocketClients.leaks(survey, threshold)) {
            report.finding(
                    Severity.WARN,
                    AREA,
                    summary(
                            c,
                            survey,
                            growth.get(key(c.process().pid(), c.process().startTicks()))),
                    DockerSocketClients.REMEDY);
        }
        report.metric(
                "hostkit_docker_socket_connections",
                "Client connections to the Docker engine's socket.",
                survey.connections());
        report.metric(
                "hostkit_docker_socket_client_processes",
                "Processes connected to the Docker engine's socket.",
                survey.clients().size());
        for (ClientProcess c :
                survey.clients().subList(0, Math.min(TOP, survey.clients().size()))) {
            String labels = "pid=\"" + c.process().pid() + "\",comm=\""
                    + PrometheusText.label(c.process().comm()) + "\",container=\""
                    + DockerSocketClients.shortId(c.process().containerId()) + "\"";
            report.metric(
                    "hostkit_docker_socket_client_connections",
                    "Connections to the Docker engine's socket held by each of the " + TOP + " biggest holders.",
                    labels,
                    c.connections());
            Growth g = growth.get(key(c.process().pid(), c.process().startTicks()));
            if (g != null) {
                report.metric(
                        "hostkit_docker_socket_client_growth_per_minute",
                        "Growth of the connections held by each of the " + TOP
                                + " biggest holders since the previous survey.",
                        labels,
                        g.perMinute());
            }
        }
    }

    /** The finding's one line: pid, comm, container, count, idle, and the growth when known. */
    static String summary(ClientProcess c, Survey survey, Growth g) {
        StringBuilder b = new StringBuilder("pid ")
                .append(c.process().pid())
                .append(" (")
                .append(Printable.escape(c.process().comm()));
        if (!c.process().containerId().isEmpty()) {
            b.append(", container ")
                    .append(DockerSocketClients.shortId(c.process().containerId()));
        }
        b.append(") holds ")
                .append(c.connections())
                .append(" connections to ")
                .append(survey.socketPath())
                .append(" (")
                .append(c.idle())
                .append(" idle)");
        if (g != null) {
            b.append(String.format(
                    java.util.Locale.ROOT,
                    ", %+d since the previous survey (%.1f/min)",
                    g.after() - g.before(),
                    g.perMinute()));
        }
        return b.toString();
    }

    private static String key(int pid, long startTicks) {
        return pid + "/" + startTicks;
    }
}
