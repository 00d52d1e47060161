package dev.hostkit.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.DockerStream;
import dev.hostkit.docker.Event;
import dev.hostkit.docker.EventsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code hostkit docker events [--json]}: follows the engine's events until Ctrl-C, one line each. What the engine
 * sent is escaped before it reaches the terminal.
 */
@Command(name = "events", mixinStandardHelpOptions = true, versionProvider = Hostkit.Version.class,
        description = "Follow the engine's events until interrupted.")
final class DockerEventsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    DockerCommand docker;

    @Option(names = "--json", description = "One JSON object per event.")
    boolean json;

    @Option(names = {"-H", "--host"}, paramLabel = "unix:///path", description = "The engine's socket (default: DOCKER_HOST, else /var/run/docker.sock).")
    String host;

    @Override
    public Integer call() {
        return docker.withClient(spec, host, this::follow);
    }

    private int follow(DockerClient client) {
        PrintWriter out = spec.commandLine().getOut();
        try (DockerStream<Event> events = client.events(EventsRequest.builder().build())) {
            // Ctrl-C closes the stream, which ends the loop below at once.
            Thread hook = new Thread(events::close, "hostkit-docker-events-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            for (Event e : events) {
                out.println(json ? toJson(e) : toText(e));
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

    static String toText(Event e) {
        Instant at = Instant.ofEpochSecond(0, e.timeNanos());
        String name = e.attributes().getOrDefault("name", "");
        return at + " " + Printable.escape(e.type()) + " " + Printable.escape(e.action()) + " " + Printable.escape(e.actorId())
                + (name.isEmpty() ? "" : " (name=" + Printable.escape(name) + ")");
    }

    static String toJson(Event e) {
        ObjectNode n = DockerPsCommand.JSON.createObjectNode();
        n.put("Type", e.type()).put("Action", e.action()).put("Id", e.actorId()).put("TimeNano", e.timeNanos());
        ObjectNode attrs = n.putObject("Attributes");
        e.attributes().forEach(attrs::put);
        return DockerPsCommand.write(n);
    }
}
