package dev.hostkit.doctor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.core.Printable;
import dev.hostkit.core.ProcFs;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.netlink.NetlinkException;
import dev.hostkit.netlink.SockDiag;
import dev.hostkit.netlink.UnixSocketClients;
import dev.hostkit.netlink.UnixSocketClients.ClientProcess;
import dev.hostkit.netlink.UnixSocketClients.Survey;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who holds connections to the Docker engine's socket, and whether one of them leaks: the survey, the judgement the
 * doctor finding and the node-problem-detector check share, and its one-line message. Pure functions except survey.
 */
public final class DockerSocketClients {
    /** A process holding more connections than this is reported (the default: more than 32). */
    public static final int DEFAULT_THRESHOLD = 32;

    /** What to do about a process that holds too many connections. */
    public static final String REMEDY =
            "close responses; reuse one client; in Go set MaxIdleConns/IdleConnTimeout " + "or disable keep-alive";

    /** Node-problem-detector's limit for a custom plugin's message. */
    public static final int MESSAGE_LIMIT = 80;

    // Only --json needs it: a node-problem-detector plugin run (a fresh JVM) does not pay for an ObjectMapper.
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private DockerSocketClients() {}

    /** The judgement of one survey. */
    public enum Status {
        /** No process holds more than the threshold. */
        OK,
        /** At least one process holds more than the threshold. */
        PROBLEM,
        /** The survey could not be taken, or nobody listens on the socket. */
        UNKNOWN
    }

    /**
     * A judgement and its message, for the doctor and for node-problem-detector.
     *
     * @param status what the survey says
     * @param message one line of at most {@value #MESSAGE_LIMIT} characters
     */
    public record Verdict(Status status, String message) {
        /** The verdict when the survey could not be taken; {@code why} is cut to fit the limit. */
        public static Verdict unknown(String why) {
            return new Verdict(Status.UNKNOWN, fit("cannot survey the Docker socket: " + why));
        }
    }

    /**
     * The engine's socket file for an address.
     *
     * @param host {@code unix:///path}, or null for {@code DOCKER_HOST}, else {@value DockerClient#DEFAULT_HOST}
     * @return the socket's path
     * @throws IllegalArgumentException for an address that is not {@code unix:///absolute/path}
     */
    public static Path socketPath(String host) {
        DockerClient.Builder b = DockerClient.builder();
        if (host != null) {
            b.host(host);
        }
        return b.socket(); // only the address is parsed: no client (and no HTTP stack) is built
    }

    /**
     * Surveys the clients of the socket: one sock_diag dump of this network namespace and one {@code /proc} scan. The
     * dump is taken while none of this process's own engine calls ({@link DockerFacts}) has a connection open, so the
     * doctor's own short connections are never counted (nor make the scan read every table looking for them).
     *
     * @throws IllegalArgumentException naming the path when it does not exist or is not a socket
     * @throws NetlinkException when the kernel cannot dump unix sockets (no {@code unix_diag})
     */
    public static Survey survey(Path socket) {
        try (SockDiag diag = SockDiag.open()) {
            return UnixSocketClients.survey(
                    diag, ProcFs.system(), socket, () -> OwnEngineConnections.dump(diag::unixSockets));
        }
    }

    /** The processes holding more than {@code threshold} connections, most first. */
    public static List<ClientProcess> leaks(Survey survey, int threshold) {
        return survey.clients().stream()
                .filter(c -> c.connections() > threshold)
                .toList();
    }

    /**
     * Judges a survey: PROBLEM naming the biggest holder when a process holds more than {@code threshold}
     * connections, UNKNOWN when nobody listens on the socket, else OK. The check {@code DockerSocketLeak} of
     * {@code hostkit doctor --check DockerSocketLeak --npd} is this function.
     *
     * @param threshold connections a process may hold (a process with more is a problem); at least 0
     * @return the verdict, its message at most {@value #MESSAGE_LIMIT} characters
     */
    public static Verdict judge(Survey survey, int threshold) {
        if (threshold < 0) {
            throw new IllegalArgumentException("threshold must be at least 0, got " + threshold);
        }
        if (survey.listeners().isEmpty()) {
            return new Verdict(Status.UNKNOWN, fit("nobody listens on " + survey.socketPath()));
        }
        List<ClientProcess> leaks = leaks(survey, threshold);
        if (leaks.isEmpty()) {
            return new Verdict(
                    Status.OK,
                    fit(survey.clients().size() + " processes hold " + survey.connections()
                            + " Docker socket connections, none more than " + threshold));
        }
        ClientProcess top = leaks.get(0);
        String more = leaks.size() > 1 ? "; " + (leaks.size() - 1) + " more" : "";
        String container = top.process().containerId().isEmpty()
                ? ""
                : " in " + shortId(top.process().containerId());
        String line = "pid " + top.process().pid() + " " + top.process().comm() + container + " holds "
                + top.connections() + " Docker socket connections (>" + threshold + ")" + more;
        if (line.length() > MESSAGE_LIMIT) {
            line = "pid " + top.process().pid() + " " + top.process().comm() + " holds " + top.connections()
                    + " Docker socket connections (>" + threshold + ")" + more;
        }
        return new Verdict(Status.PROBLEM, fit(line));
    }

    /**
     * Surveys the socket and judges it; any failure to look is UNKNOWN, never an exception.
     *
     * @param host {@code unix:///path}, or null for {@code DOCKER_HOST} / the system socket
     */
    public static Verdict check(String host, int threshold) {
        Survey survey;
        try {
            survey = survey(socketPath(host));
        } catch (RuntimeException e) {
            return Verdict.unknown(String.valueOf(e.getMessage()));
        }
        return judge(survey, threshold);
    }

    /**
     * The survey as {@code hostkit docker clients --json} prints it: one object with the socket, the total of
     * connections, the unowned ones, the engine's pids and {@code clients}, one object per process (most connections
     * first) with {@code pid}, {@code comm}, {@code container} (null when none), {@code connections}, {@code idle},
     * {@code oldestInode}, {@code cmdline}, and {@code engine}/{@code self} when it is the engine or this process.
     */
    public static String toJson(Survey survey) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("socket", survey.socketPath().toString());
        out.put("takenAt", survey.takenAt().toString());
        out.put("connections", survey.connections());
        out.put("unowned", survey.unowned());
        out.put("enginePids", survey.listenerPids());
        List<Map<String, Object>> clients = new ArrayList<>();
        for (ClientProcess c : survey.clients()) {
            Map<String, Object> m = row(c);
            m.put("cmdline", c.process().cmdline());
            clients.add(m);
        }
        out.put("clients", clients);
        try {
            return Json.MAPPER.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the survey as JSON", e);
        }
    }

    /** One process as the report and the JSON list it; callers append what they know more. */
    static Map<String, Object> row(ClientProcess c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", c.process().pid());
        m.put("comm", c.process().comm());
        m.put(
                "container",
                c.process().containerId().isEmpty() ? null : c.process().containerId());
        m.put("connections", c.connections());
        m.put("idle", c.idle());
        m.put("oldestInode", c.oldestInode());
        m.put("engine", c.listenerOwner() ? true : null);
        m.put("self", c.currentProcess() ? true : null);
        return m;
    }

    /** A container id as {@code docker ps} shows it: the first 12 characters. */
    static String shortId(String containerId) {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }

    /** One line (control characters, from a hostile comm or message, escaped), cut to {@value #MESSAGE_LIMIT}. */
    static String fit(String line) {
        String clean = Printable.escape(line);
        return clean.length() <= MESSAGE_LIMIT ? clean : clean.substring(0, MESSAGE_LIMIT - 3) + "...";
    }
}
