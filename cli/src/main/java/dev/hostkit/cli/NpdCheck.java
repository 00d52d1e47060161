package dev.hostkit.cli;

import dev.hostkit.cgroups.CgroupException;
import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerTimeoutException;
import dev.hostkit.docker.DockerUnavailableException;
import dev.hostkit.docker.Ping;
import dev.hostkit.doctor.DockerSocketClients;
import dev.hostkit.doctor.Doctor;
import dev.hostkit.doctor.DoctorReport;
import dev.hostkit.guard.GuardianStatus;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One doctor check as a node-problem-detector custom plugin ({@code hostkit doctor --check NAME --npd}): one line
 * of at most {@value #MAX_LINE} ASCII characters, and NPD's exit status: 0 OK (condition false), 1 problem
 * (condition true), 2 unknown (the check could not look). Not the doctor's 0/1/2 (ok/warn/critical).
 */
final class NpdCheck {
    /** NPD's default {@code max_output_length}; hostkit's configs keep it. */
    static final int MAX_LINE = 80;

    static final int OK = 0;
    static final int PROBLEM = 1;
    static final int UNKNOWN = 2;
    /** Where the guardian keeps its state under the host root (StateDirectory=hostkit/guard in hostkit-guard.service). */
    static final String GUARD_STATE_DIR = "var/lib/hostkit/guard";
    /** The Docker Engine's socket under the host root, when DOCKER_HOST does not say otherwise. */
    static final String DOCKER_SOCKET = "var/run/docker.sock";

    private static final Duration PING_DEADLINE = Duration.ofSeconds(3);

    /** The checks, named as the node conditions they set. */
    enum Name {
        MacvlanLost,
        MemcgIdPressure,
        DockerEngineDown,
        DockerSocketLeak;

        static Name parse(String s) {
            for (Name n : values()) {
                if (n.name().equals(s)) {
                    return n;
                }
            }
            throw new IllegalArgumentException("--check '" + s + "' is not one of " + List.of(values()));
        }
    }

    /** What a check found: an NPD exit status and its message. */
    record Answer(int status, String message) {
        /** The message as NPD keeps it: one line, ASCII, at most {@value #MAX_LINE} characters. */
        String line() {
            String one = message.replaceAll("\\s+", " ").strip().replaceAll("[^\\x20-\\x7e]", "?");
            return one.length() <= MAX_LINE ? one : one.substring(0, MAX_LINE - 3) + "...";
        }
    }

    private NpdCheck() {}

    /**
     * Runs the check named on the command line: a name that is not a check, or an empty host root, is an answer
     * too (UNKNOWN), as NPD shows stdout and nothing else.
     *
     * @param root the value of {@code --root}, or null for {@code $HOSTKIT_ROOT}, else {@code /}
     */
    static Answer answer(String check, String root, Path stateDir, Map<String, String> env) {
        try {
            return check(Name.parse(check), HostRoot.of(root, env), stateDir, env);
        } catch (IllegalArgumentException e) {
            return new Answer(UNKNOWN, "hostkit doctor: " + e.getMessage());
        }
    }

    /**
     * Runs one check.
     *
     * @param root the host root ({@code /}, or where it is mounted)
     * @param stateDir the guardian's state directory, or null for {@value #GUARD_STATE_DIR} under the root
     */
    static Answer check(Name name, Path root, Path stateDir, Map<String, String> env) {
        try {
            return switch (name) {
                case MacvlanLost -> macvlanLost(stateDir != null ? stateDir : root.resolve(GUARD_STATE_DIR));
                case MemcgIdPressure -> memcgIdPressure(root);
                case DockerEngineDown -> dockerEngineDown(dockerHost(root, env));
                case DockerSocketLeak -> dockerSocketLeak(dockerHost(root, env));
            };
        } catch (RuntimeException e) {
            return new Answer(UNKNOWN, name + ": cannot look: " + e.getMessage());
        }
    }

    /** The doctor's Docker-socket-clients judgement: a process holding more than 32 connections is a problem. */
    static Answer dockerSocketLeak(String host) {
        DockerSocketClients.Verdict v = DockerSocketClients.check(host, DockerSocketClients.DEFAULT_THRESHOLD);
        return new Answer(
                switch (v.status()) {
                    case OK -> OK;
                    case PROBLEM -> PROBLEM;
                    case UNKNOWN -> UNKNOWN;
                },
                v.message());
    }

    /**
     * A running guardian's own word ({@link GuardianStatus}: no native code, no namespace entered); without one (or
     * when its status cannot be read), the guardian's snapshots against the host now, judged as the doctor's guardian
     * section does.
     */
    static Answer macvlanLost(Path stateDir) {
        try {
            Optional<GuardianStatus> said = GuardianStatus.ofRunningGuardian(stateDir);
            if (said.isPresent()) {
                return fromStatus(said.get());
            }
        } catch (IOException | RuntimeException e) {
            // An unreadable status is no answer: look for ourselves.
        }
        return macvlanLostByLooking(stateDir);
    }

    static Answer fromStatus(GuardianStatus s) {
        String who = " (guardian pid " + s.pid() + ")";
        if (s.missing().isEmpty()) {
            return new Answer(OK, s.guarded() + " guarded macvlan(s) present" + who);
        }
        GuardianStatus.Missing m = s.missing().get(0);
        String first = m.waitsForParent()
                ? m.name() + " in net:[" + m.namespaceInode() + "] waits for parent " + m.parent()
                : m.name() + " missing in net:[" + m.namespaceInode() + "] (parent " + m.parent()
                        + " present, not recreated)";
        return new Answer(
                PROBLEM, s.missing().size() == 1 ? first : (s.missing().size() + " lost: " + first));
    }

    /** The guardian's snapshots against the host now, judged as the doctor's guardian section does. */
    @SuppressWarnings("unchecked")
    static Answer macvlanLostByLooking(Path stateDir) {
        DoctorReport r = Doctor.examine(List.of(Doctor.guardianCheck(stateDir)));
        if (!r.cannotSee().isEmpty()) {
            return new Answer(UNKNOWN, r.cannotSee().get(0));
        }
        List<Map<String, Object>> ifs = (List<Map<String, Object>>)
                r.sections().getOrDefault("guardian", Map.of()).getOrDefault("interfaces", List.of());
        List<String> lost = new ArrayList<>();
        long present = 0;
        for (Map<String, Object> i : ifs) {
            String status = String.valueOf(i.get("status"));
            if (status.equals("present")) {
                present++;
            } else if (status.equals("missing")) {
                lost.add(i.get("interface") + " missing in " + i.get("namespace") + " (parent " + i.get("parent")
                        + " present)");
            } else if (status.equals("waiting for parent")) {
                lost.add(i.get("interface") + " in " + i.get("namespace") + " waits for parent " + i.get("parent"));
            }
        }
        if (lost.isEmpty()) {
            return new Answer(OK, present + " guarded macvlan(s) present");
        }
        return new Answer(PROBLEM, lost.size() == 1 ? lost.get(0) : (lost.size() + " lost: " + lost.get(0)));
    }

    /** The memcg ID headroom and dying count of a counts-only census (no per-cgroup file is read). */
    static Answer memcgIdPressure(Path root) {
        MemoryCensus c;
        try {
            c = MemoryCensus.counts(CgroupFs.at(root));
        } catch (CgroupException e) {
            return new Answer(UNKNOWN, "MemcgIdPressure: " + e.getMessage());
        }
        String facts = c.idHeadroom() + " memcg IDs left, " + c.live() + " live, " + c.dying() + " dying";
        return switch (c.risk()) {
            case OK -> new Answer(OK, facts);
            case WARN, CRITICAL -> new Answer(PROBLEM, c.risk().label().toUpperCase(Locale.ROOT) + ": " + facts);
        };
    }

    /** {@code DOCKER_HOST}, else the socket under a host root other than {@code /}, else the client's default. */
    static String dockerHost(Path root, Map<String, String> env) {
        String host = env.get("DOCKER_HOST");
        if (host != null && !host.isBlank()) {
            return host;
        }
        return HostRoot.isSlash(root) ? null : "unix://" + root.resolve(DOCKER_SOCKET);
    }

    /** {@code HEAD /_ping} with a one-shot client, within {@link #PING_DEADLINE}. */
    static Answer dockerEngineDown(String host) {
        CompletableFuture<Answer> f = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        f.complete(ping(host));
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    }
                },
                "hostkit-npd-ping");
        t.setDaemon(true); // abandoned when the deadline passes; the process exits anyway
        t.start();
        try {
            return f.get(PING_DEADLINE.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new Answer(
                    PROBLEM, "Docker Engine did not answer /_ping within " + PING_DEADLINE.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof DockerTimeoutException) {
                return new Answer(PROBLEM, "Docker Engine did not answer /_ping: " + c.getMessage());
            }
            if (c instanceof DockerUnavailableException u) {
                // Permission denied: the engine may be fine, this process cannot tell.
                boolean cannotLook =
                        String.valueOf(u.getMessage()).toLowerCase(Locale.ROOT).contains("permission denied");
                return new Answer(cannotLook ? UNKNOWN : PROBLEM, "Docker Engine down: " + u.getMessage());
            }
            if (c instanceof DockerException d) {
                return new Answer(PROBLEM, "Docker Engine answers /_ping with an error: " + d.getMessage());
            }
            return new Answer(UNKNOWN, "DockerEngineDown: cannot look: " + c.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(UNKNOWN, "DockerEngineDown: interrupted");
        }
    }

    private static Answer ping(String host) {
        DockerClient.Builder b = DockerClient.builder()
                .oneShot(true)
                .connectTimeout(PING_DEADLINE)
                .readTimeout(PING_DEADLINE);
        if (host != null) {
            b.host(host);
        }
        try (DockerClient docker = b.build()) {
            Ping p = docker.ping();
            return new Answer(OK, "Docker Engine answers /_ping (API " + p.apiVersion() + ") on " + docker.socket());
        }
    }
}
