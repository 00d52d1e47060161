package dev.hostkit.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.core.Printable;
import dev.hostkit.docker.ContainerSummary;
import dev.hostkit.docker.ContainerWatch;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.Event;
import dev.hostkit.docker.EventsRequest;
import dev.hostkit.docker.WatchEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code hostkit docker events [--json]}: the engine's containers, then its events until Ctrl-C, one line each, on a
 * gapless {@link ContainerWatch}: a dropped connection or engine restart is retried and resumed, and a gap the engine
 * could not fill is printed, never hidden. What the engine sent is escaped before it reaches the terminal.
 */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description = "The containers, then the engine's events until interrupted; reconnects and reports gaps.")
final class DockerEventsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    DockerCommand docker;

    @Option(names = "--json", description = "One JSON object per line: snapshot, event or gap.")
    boolean json;

    @Option(
            names = {"-H", "--host"},
            paramLabel = "unix:///path",
            description = "The engine's socket (default: DOCKER_HOST, else /var/run/docker.sock).")
    String host;

    @Option(
            names = "--max-events",
            paramLabel = "N",
            description = "Stop after N events (snapshots and gaps not counted); default: follow until interrupted.")
    Integer maxEvents;

    @Override
    public Integer call() {
        if (maxEvents != null && maxEvents < 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--max-events must be at least 1, got " + maxEvents);
        }
        return docker.withClient(spec, host, this::follow);
    }

    private int follow(DockerClient client) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (ContainerWatch watch = client.watch(EventsRequest.builder().build())) {
            // Ctrl-C closes the watch, which ends the loop below at once.
            Thread hook = new Thread(watch::close, "hostkit-docker-events-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            int events = 0;
            for (WatchEvent e : watch) {
                if (e instanceof WatchEvent.Disconnected d) {
                    err.println("hostkit docker events: "
                            + Printable.escape(d.cause().getMessage()) + "; retry " + d.attempt() + " in "
                            + d.retryIn().toMillis() + " ms");
                    err.flush();
                    continue;
                }
                out.println(json ? toJson(e) : toText(e));
                out.flush();
                if (e instanceof WatchEvent.Change && maxEvents != null && ++events >= maxEvents) {
                    break;
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it closed the watch
            }
        }
        return 0;
    }

    /** One line per item: {@code snapshot N containers since T} (then a line per container), an event, or a gap. */
    static String toText(WatchEvent e) {
        if (e instanceof WatchEvent.Snapshot s) {
            StringBuilder b = new StringBuilder("snapshot ")
                    .append(s.containers().size())
                    .append(" containers since ")
                    .append(s.since());
            for (ContainerSummary c : s.containers()) {
                b.append("\n  ")
                        .append(Printable.escape(c.id().substring(0, Math.min(12, c.id().length()))))
                        .append(' ')
                        .append(Printable.escape(c.state()))
                        .append(' ')
                        .append(Printable.escape(String.join(",", c.names())));
            }
            return b.toString();
        }
        if (e instanceof WatchEvent.Change c) {
            return toText(c.event());
        }
        if (e instanceof WatchEvent.Gap g) {
            return "gap from " + g.from() + " to " + g.to() + ": " + Printable.escape(g.reason());
        }
        throw new IllegalArgumentException("not printed: " + e);
    }

    static String toText(Event e) {
        Instant at = Instant.ofEpochSecond(0, e.timeNanos());
        String name = e.attributes().getOrDefault("name", "");
        return at + " " + Printable.escape(e.type()) + " " + Printable.escape(e.action()) + " "
                + Printable.escape(e.actorId()) + (name.isEmpty() ? "" : " (name=" + Printable.escape(name) + ")");
    }

    /** A snapshot ({@code kind} "snapshot", {@code since}, {@code containers}), an event or a gap as one JSON object. */
    static String toJson(WatchEvent e) {
        if (e instanceof WatchEvent.Change c) {
            return toJson(c.event());
        }
        ObjectNode n = DockerPsCommand.JSON.createObjectNode();
        if (e instanceof WatchEvent.Snapshot s) {
            n.put("kind", "snapshot").put("since", s.since().toString());
            ArrayNode list = n.putArray("containers");
            for (ContainerSummary c : s.containers()) {
                ObjectNode one = list.addObject().put("Id", c.id()).put("State", c.state());
                c.names().forEach(one.putArray("Names")::add);
            }
        } else if (e instanceof WatchEvent.Gap g) {
            n.put("kind", "gap")
                    .put("from", g.from().toString())
                    .put("to", g.to().toString())
                    .put("reason", g.reason());
        } else {
            throw new IllegalArgumentException("not printed: " + e);
        }
        return DockerPsCommand.write(n);
    }

    /** An event in the engine's own key names, with {@code kind} "event". */
    static String toJson(Event ev) {
        ObjectNode n = DockerPsCommand.JSON.createObjectNode();
        n.put("kind", "event")
                .put("Type", ev.type())
                .put("Action", ev.action())
                .put("Id", ev.actorId())
                .put("TimeNano", ev.timeNanos());
        ObjectNode attrs = n.putObject("Attributes");
        ev.attributes().forEach(attrs::put);
        return DockerPsCommand.write(n);
    }
}
