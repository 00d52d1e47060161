package dev.hostkit.cli;

import dev.hostkit.core.Printable;
import dev.hostkit.docker.DockerClient;
import dev.hostkit.docker.DockerException;
import dev.hostkit.docker.DockerUnavailableException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code hostkit docker ps|events|clients}, all with {@code --host unix:///path} (here or after the subcommand; else
 * {@code DOCKER_HOST}, else the system socket). Exit status 0, 1 the engine refused, 64 bad usage, 69 engine unavailable.
 */
@Command(
        name = "docker",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description = "The Docker Engine, through hostkit's client.",
        subcommands = {DockerPsCommand.class, DockerEventsCommand.class, DockerClientsCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:done",
            " 1:the engine answered with an error",
            "64:bad usage",
            "69:the engine cannot be reached"
        })
public final class DockerCommand implements Callable<Integer> {
    static final int EX_UNAVAILABLE = Hostkit.EX_UNAVAILABLE;

    /** What a subcommand does with a connected client. */
    interface Use {
        int with(DockerClient docker);
    }

    @Spec
    CommandSpec spec;

    @Option(
            names = {"-H", "--host"},
            paramLabel = "unix:///path",
            description = "The engine's socket (default: DOCKER_HOST, else /var/run/docker.sock).")
    String host;

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
        return Hostkit.run("docker", new DockerCommand(), out, err, args);
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "which command: ps, events or clients?");
    }

    /** Connects to the subcommand's {@code --host}, else this command's, runs {@code use} and maps the engine's errors. */
    int withClient(CommandSpec sub, String subHost, Use use) {
        DockerClient.Builder b = DockerClient.builder();
        String h = subHost != null ? subHost : host;
        try {
            if (h != null) {
                b.host(h);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(sub.commandLine(), e.getMessage());
        }
        try (DockerClient docker = b.poolSize(2).build()) {
            return use.with(docker);
        } catch (DockerUnavailableException e) {
            sub.commandLine().getErr().println("hostkit docker: " + Printable.escape(e.getMessage()));
            return EX_UNAVAILABLE;
        } catch (DockerException e) {
            sub.commandLine().getErr().println("hostkit docker: " + Printable.escape(e.getMessage()));
            return 1;
        }
    }
}
