package dev.hostkit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.cgroups.CgroupException;
import dev.hostkit.doctor.CgroupsReport;
import dev.hostkit.doctor.DockerFacts;
import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.CgroupOwner;
import dev.hostkit.cgroups.KmemVerdict;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.cgroups.MkdirDiagnosis;
import dev.hostkit.cgroups.OrphanCgroup;
import dev.hostkit.docker.DockerException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code hostkit cgroups [--json] [--top N] [--root DIR]}: memory cgroup census, kmem verdict, top kmem users,
 * orphaned pod/container cgroups, risk and remedies. Exit status 0 ok, 1 warn, 2 critical, 64 bad usage,
 * 70 when the cgroups cannot be inspected at all.
 */
final class CgroupsCommand {
    private CgroupsCommand() {
    }

    static int run(String[] args) {
        if (args.length > 0 && args[0].equals("reclaim")) {
            return ReclaimCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length));
        }
        return run(args, null, null);
    }

    /**
     * The command with the live pod UIDs and container ids (from the Docker client or kubelet) for the orphan list.
     *
     * @param livePodUids pods that exist, or {@code null} when unknown (pods are then not judged)
     * @param liveContainerIds containers that exist, or {@code null} when unknown
     */
    static int run(String[] args, Set<String> livePodUids, Set<String> liveContainerIds) {
        boolean json = false;
        int top = 10;
        Path root = Path.of("/");
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = true;
                    case "--top" -> top = Integer.parseInt(value(args, ++i, "--top"));
                    case "--root" -> root = Path.of(value(args, ++i, "--root"));
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
            if (top < 0) {
                throw new IllegalArgumentException("--top must be 0 or more, got " + top);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("hostkit cgroups: " + e.getMessage());
            System.err.println("usage: hostkit cgroups [--json] [--top N] [--root DIR]");
            return 64;
        }
        CgroupsReport report;
        try {
            if (livePodUids == null && liveContainerIds == null && root.equals(Path.of("/"))) {
                // This host: ask its Docker Engine who exists; without one, orphans stay unjudged (said in the report).
                DockerFacts.LiveIds live = DockerFacts.liveIdsOrNull(new ArrayList<>());
                report = live == null ? CgroupsReport.of(root, top, null, null, null)
                        : CgroupsReport.of(root, top, live.podUids(), live.containerIds(), Set.of(CgroupOwner.Runtime.DOCKER));
            } else {
                report = CgroupsReport.of(root, top, livePodUids, liveContainerIds, null);
            }
        } catch (CgroupException e) {
            System.err.println("hostkit cgroups: cannot inspect the memory cgroups: " + e.getMessage());
            return 70;
        }
        System.out.println(json ? CgroupsReport.toJson(report) : CgroupsReport.toText(report));
        return report.exitStatus();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
