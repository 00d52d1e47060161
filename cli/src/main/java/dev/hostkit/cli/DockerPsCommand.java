package dev.hostkit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.core.Printable;
import dev.hostkit.docker.ContainerSummary;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.ListContainersRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code hostkit docker ps [--all] [--json]}: the engine's containers as a table, or one JSON object per line in the
 * engine's own key names. What the engine sent is escaped before it reaches the terminal.
 */
@Command(
        name = "ps",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description = "List containers (running ones unless --all).")
final class DockerPsCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setCharacterEscapes(TerminalJson.ESCAPES);
    }

    @Spec
    CommandSpec spec;

    @ParentCommand
    DockerCommand docker;

    @Option(
            names = {"-a", "--all"},
            description = "Also stopped containers.")
    boolean all;

    @Option(names = "--json", description = "One JSON object per container.")
    boolean json;

    @Option(
            names = {"-H", "--host"},
            paramLabel = "unix:///path",
            description = "The engine's socket (default: DOCKER_HOST, else /var/run/docker.sock).")
    String host;

    @Override
    public Integer call() {
        return docker.withClient(spec, host, this::ps);
    }

    private int ps(DockerClient client) {
        List<ContainerSummary> list =
                client.listContainers(ListContainersRequest.builder().all(all).build());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            for (ContainerSummary c : list) {
                out.println(toJson(c));
            }
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CONTAINER ID", "IMAGE", "STATE", "STATUS", "NAMES"});
        for (ContainerSummary c : list) {
            List<String> names = c.names().stream()
                    .map(n -> n.startsWith("/") ? n.substring(1) : n)
                    .toList();
            rows.add(new String[] {
                c.id().substring(0, Math.min(12, c.id().length())),
                c.image(),
                c.state(),
                c.status(),
                String.join(",", names)
            });
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                r[i] = Printable.escape(r[i]);
            }
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
        return write(n);
    }

    /** Through {@link #JSON}, not {@code toString()}, which would skip the terminal-safe escapes. */
    static String write(ObjectNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }
}
