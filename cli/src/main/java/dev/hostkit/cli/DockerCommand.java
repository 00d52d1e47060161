package dev.hostkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.docker.ContainerSummary;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerStream;
import dev.hostkit.docker.DockerUnavailableException;
import dev.hostkit.docker.Event;
import dev.hostkit.docker.EventsRequest;
import dev.hostkit.docker.Info;
import dev.hostkit.docker.ListContainersRequest;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code hostkit docker ps [--all] [--json]} and {@code hostkit docker events [--json]}, both with
 * {@code --host unix:///path} (else {@code DOCKER_HOST}, else the system socket); and
 * {@link #summary(String)}, the engine facts {@code hostkit doctor} reports.
 */
public final class DockerCommand {
    static final int EX_USAGE = 64;
    static final int EX_UNAVAILABLE = 69;
    private static final ObjectMapper JSON = new ObjectMapper();

    private DockerCommand() {
    }

    /**
     * Runs {@code docker ps|events} with the given arguments.
     *
     * @param args arguments after {@code docker}
     * @return the exit status
     */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String host = null;
        boolean all = false;
        boolean json = false;
        String sub = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host", "-H" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, "--host needs unix:///path");
                    }
                    host = args[++i];
                }
                case "--all", "-a" -> all = true;
                case "--json" -> json = true;
                case "ps", "events" -> sub = args[i];
                default -> {
                    if (args[i].startsWith("--host=")) {
                        host = args[i].substring("--host=".length());
                    } else {
                        return usage(err, "unknown argument '" + args[i] + "'");
                    }
                }
            }
        }
        if (sub == null) {
            return usage(err, "which command: ps or events?");
        }
        DockerClient.Builder b = DockerClient.builder();
        try {
            if (host != null) {
                b.host(host);
            }
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        try (DockerClient docker = b.poolSize(2).build()) {
            return sub.equals("ps") ? ps(docker, all, json, out) : events(docker, json, out);
        } catch (DockerUnavailableException e) {
            err.println("hostkit docker: " + e.getMessage());
            return EX_UNAVAILABLE;
        } catch (DockerException e) {
            err.println("hostkit docker: " + e.getMessage());
            return 1;
        }
    }

    private static int ps(DockerClient docker, boolean all, boolean json, PrintStream out) {
        List<ContainerSummary> list = docker.listContainers(ListContainersRequest.builder().all(all).build());
        if (json) {
            for (ContainerSummary c : list) {
                out.println(toJson(c));
            }
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CONTAINER ID", "IMAGE", "STATE", "STATUS", "NAMES"});
        for (ContainerSummary c : list) {
            List<String> names = c.names().stream().map(n -> n.startsWith("/") ? n.substring(1) : n).toList();
            rows.add(new String[] {c.id().substring(0, Math.min(12, c.id().length())), c.image(), c.state(), c.status(), String.join(",", names)});
        }
        int[] width = new int[5];
        for (String[] r : rows) {
            for (int i = 0; i < 5; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                line.append(i == 4 ? r[i] : String.format("%-" + (width[i] + 3) + "s", r[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        return 0;
    }

    /** One container in the engine's own key names ({@code Id}, {@code Names}, {@code Image}, {@code State}, ...). */
    static String toJson(ContainerSummary c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("Id", c.id());
        c.names().forEach(n.putArray("Names")::add);
        if (c.names().isEmpty()) {
            n.putArray("Names");
        }
        n.put("Image", c.image());
        n.put("ImageID", c.imageId());
        n.put("Command", c.command());
        n.put("Created", c.created());
        n.put("State", c.state());
        n.put("Status", c.status());
        ObjectNode labels = n.putObject("Labels");
        c.labels().forEach(labels::put);
        return n.toString();
    }

    private static int events(DockerClient docker, boolean json, PrintStream out) {
        try (DockerStream<Event> events = docker.events(EventsRequest.builder().build())) {
            // Ctrl-C closes the stream, which ends the loop below at once.
            Thread hook = new Thread(events::close, "hostkit-docker-events-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            for (Event e : events) {
                if (json) {
                    ObjectNode n = JSON.createObjectNode();
                    n.put("Type", e.type()).put("Action", e.action()).put("Id", e.actorId()).put("TimeNano", e.timeNanos());
                    ObjectNode attrs = n.putObject("Attributes");
                    e.attributes().forEach(attrs::put);
                    out.println(n);
                } else {
                    Instant at = Instant.ofEpochSecond(0, e.timeNanos());
                    String name = e.attributes().getOrDefault("name", "");
                    out.println(at + " " + e.type() + " " + e.action() + " " + e.actorId() + (name.isEmpty() ? "" : " (name=" + name + ")"));
                }
                out.flush();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it closed the stream
            }
        }
        return 0;
    }

    private static int usage(PrintStream err, String problem) {
        err.println("hostkit docker: " + problem);
        err.println("usage: hostkit docker ps [--all] [--json] [--host unix:///path]");
        err.println("       hostkit docker events [--json] [--host unix:///path]");
        return EX_USAGE;
    }
}
