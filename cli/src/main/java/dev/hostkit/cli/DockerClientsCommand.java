package dev.hostkit.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.core.Printable;
import dev.hostkit.doctor.DockerSocketClients;
import dev.hostkit.netlink.NetlinkException;
import dev.hostkit.netlink.UnixSocketClients.ClientProcess;
import dev.hostkit.netlink.UnixSocketClients.Survey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code hostkit docker clients [--json]}: every process connected to the engine's socket, most connections first,
 * from the kernel's socket table (no call to the engine). Process names and command lines are escaped for the terminal.
 */
@Command(
        name = "clients",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description = "Every process connected to the engine's socket: connections, idle ones, container.")
final class DockerClientsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    DockerCommand docker;

    @Option(
            names = "--json",
            description = "One JSON object with a clients list (pid, comm, container, connections, idle, ...).")
    boolean json;

    @Option(
            names = {"-H", "--host"},
            paramLabel = "unix:///path",
            description = "The engine's socket (default: DOCKER_HOST, else /var/run/docker.sock).")
    String host;

    @Override
    public Integer call() throws Exception {
        Path socket;
        try {
            socket = DockerSocketClients.socketPath(host != null ? host : docker.host);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Survey survey;
        try {
            survey = DockerSocketClients.survey(socket);
        } catch (IllegalArgumentException | NetlinkException e) {
            // No such socket, not a socket, or a kernel without unix_diag: one line, nothing else.
            spec.commandLine().getErr().println("hostkit docker clients: " + Printable.escape(e.getMessage()));
            return DockerCommand.EX_UNAVAILABLE;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode tree = (ObjectNode) DockerPsCommand.JSON.readTree(DockerSocketClients.toJson(survey));
            out.println(DockerPsCommand.write(tree));
        } else {
            out.print(toText(survey));
        }
        out.flush();
        return 0;
    }

    static String toText(Survey s) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"PID", "COMM", "CONTAINER", "CONNECTIONS", "IDLE", "COMMAND"});
        for (ClientProcess c : s.clients()) {
            String who = c.listenerOwner() ? " (engine)" : c.currentProcess() ? " (hostkit)" : "";
            rows.add(new String[] {
                Integer.toString(c.process().pid()),
                Printable.escape(c.process().comm()) + who,
                c.process().containerId().isEmpty()
                        ? "-"
                        : c.process()
                                .containerId()
                                .substring(
                                        0,
                                        Math.min(12, c.process().containerId().length())),
                Integer.toString(c.connections()),
                Integer.toString(c.idle()),
                Printable.escape(c.process().commandLine())
            });
        }
        int[] width = new int[5];
        for (String[] r : rows) {
            for (int i = 0; i < 5; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(Printable.escape(s.socketPath().toString()))
                .append(": ")
                .append(s.connections())
                .append(" connections, ")
                .append(s.clients().size())
                .append(" processes")
                .append(s.unowned() > 0 ? ", " + s.unowned() + " unowned" : "")
                .append('\n');
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                line.append(i == 5 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
