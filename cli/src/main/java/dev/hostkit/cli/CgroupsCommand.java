package dev.hostkit.cli;

import dev.hostkit.cgroups.CgroupException;
import dev.hostkit.cgroups.CgroupOwner;
import dev.hostkit.core.Printable;
import dev.hostkit.doctor.CgroupsReport;
import dev.hostkit.doctor.DockerFacts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code hostkit cgroups [--json] [--top N] [--root DIR]}: memory cgroup census, kmem verdict, top kmem users,
 * orphaned pod/container cgroups, risk and remedies. Exit status 0 ok, 1 warn, 2 critical, 64 bad usage,
 * 70 when the cgroups cannot be inspected at all.
 */
@Command(
        name = "cgroups",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        subcommands = ReclaimCommand.class,
        description = "Memory cgroup census, kmem verdict, top kmem users, orphaned pod and container cgroups.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {" 0:ok", " 1:warn", " 2:critical", "64:bad usage", "70:the memory cgroups cannot be inspected"})
final class CgroupsCommand implements Callable<Integer> {
    static final int EX_CANNOT_INSPECT = 70;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Option(
            names = "--top",
            paramLabel = "N",
            defaultValue = "10",
            description = "How many kmem users to list (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            defaultValue = "/",
            description = "Where /proc and /sys are (a fixture tree; default: ${DEFAULT-VALUE}).")
    Path root;

    private final boolean liveGiven;
    private final Set<String> livePodUids;
    private final Set<String> liveContainerIds;

    /** Judges orphans against this host's Docker Engine (when {@code --root} is {@code /}). */
    CgroupsCommand() {
        this(false, null, null);
    }

    private CgroupsCommand(boolean liveGiven, Set<String> livePodUids, Set<String> liveContainerIds) {
        this.liveGiven = liveGiven;
        this.livePodUids = livePodUids;
        this.liveContainerIds = liveContainerIds;
    }

    /** {@code hostkit cgroups ARGS...} on this host. */
    static int run(String[] args) {
        return Hostkit.run("cgroups", new CgroupsCommand(), System.out, System.err, args);
    }

    /**
     * The command with the live pod UIDs and container ids (from the Docker client or kubelet) for the orphan list.
     *
     * @param livePodUids pods that exist, or {@code null} when unknown (pods are then not judged)
     * @param liveContainerIds containers that exist, or {@code null} when unknown
     */
    static int run(String[] args, Set<String> livePodUids, Set<String> liveContainerIds) {
        return Hostkit.run(
                "cgroups", new CgroupsCommand(true, livePodUids, liveContainerIds), System.out, System.err, args);
    }

    @Override
    public Integer call() {
        if (top < 0) {
            throw new ParameterException(spec.commandLine(), "--top must be 0 or more, got " + top);
        }
        CgroupsReport report;
        try {
            if (!liveGiven && root.equals(Path.of("/"))) {
                // This host: ask its Docker Engine who exists; without one, orphans stay unjudged (said in the report).
                DockerFacts.LiveIds live = DockerFacts.liveIdsOrNull(new ArrayList<>());
                report = live == null
                        ? CgroupsReport.of(root, top, null, null, null)
                        : CgroupsReport.of(
                                root, top, live.podUids(), live.containerIds(), Set.of(CgroupOwner.Runtime.DOCKER));
            } else {
                report = CgroupsReport.of(root, top, livePodUids, liveContainerIds, null);
            }
        } catch (CgroupException e) {
            spec.commandLine()
                    .getErr()
                    .println("hostkit cgroups: cannot inspect the memory cgroups: " + e.getMessage());
            return EX_CANNOT_INSPECT;
        }
        spec.commandLine()
                .getOut()
                .println(json ? CgroupsReport.toJson(report) : Printable.escapeLines(CgroupsReport.toText(report)));
        return report.exitStatus();
    }
}
