package dev.hostkit.doctor;

import dev.hostkit.cgroups.CgroupOwner;
import dev.hostkit.cgroups.OrphanCgroup;
import dev.hostkit.doctor.DoctorReport.Severity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Memory cgroup census, kmem accounting verdict and memcg ID headroom. */
final class CgroupsCheck implements Doctor.Check {
    @Override
    public String area() {
        return "cgroups";
    }

    @Override
    public void run(DoctorReport report) {
        // Orphans are judged against the Docker Engine's containers (and its kubelet pods, when kubelet runs on it);
        // containerd's and CRI-O's containers are never judged against Docker's list.
        List<String> whyNot = new ArrayList<>();
        DockerFacts.LiveIds live = DockerFacts.liveIdsOrNull(whyNot);
        CgroupsReport c = live == null
                ? CgroupsReport.of(Path.of("/"))
                : CgroupsReport.of(
                        Path.of("/"), 10, live.podUids(), live.containerIds(), Set.of(CgroupOwner.Runtime.DOCKER));
        Map<String, Object> s = report.section("cgroups");
        s.put("live", c.census().live());
        s.put("dying", c.census().dying());
        s.put("idHeadroom", c.census().idHeadroom());
        s.put("risk", c.census().risk().name().toLowerCase(java.util.Locale.ROOT));
        s.put("kmemActive", c.kmem().active());
        s.put("kmemReason", c.kmem().reason());
        report.metric("hostkit_memcg_live", "Live memory cgroups.", c.census().live());
        report.metric(
                "hostkit_memcg_dying",
                "Dying (removed but not freed) memory cgroups.",
                c.census().dying());
        report.metric(
                "hostkit_memcg_id_headroom",
                "Memory cgroup IDs left before mkdir fails.",
                c.census().idHeadroom());
        Severity sev = switch (c.census().risk()) {
            case OK -> Severity.OK;
            case WARN -> Severity.WARN;
            case CRITICAL -> Severity.CRITICAL;
        };
        if (sev != Severity.OK) {
            report.finding(
                    sev, "cgroups", String.join("; ", c.census().riskReasons()), String.join(" Then: ", c.remedies()));
        }
        reportOrphans(report, s, c, live, whyNot);
        if (c.kmem().exposed()) {
            report.finding(
                    Severity.WARN,
                    "cgroups",
                    "kmem accounting exposes this host to the memcg leak: "
                            + c.kmem().exposure(),
                    "boot with cgroup.memory=nokmem, or run runc >= 1.0.0-rc94 / kubelet built with nokmem");
        }
    }

    private static void reportOrphans(
            DoctorReport report,
            Map<String, Object> s,
            CgroupsReport c,
            DockerFacts.LiveIds live,
            List<String> whyNot) {
        if (live == null) {
            report.cannotSee(
                    "cgroups",
                    "orphaned cgroups are not judged: no Docker Engine to ask which containers exist ("
                            + String.join("; ", whyNot) + ")");
            return;
        }
        s.put("orphansJudged", live.podUids() == null ? "docker containers" : "docker containers and kubelet pods");
        List<Map<String, Object>> list = new ArrayList<>();
        long bytes = 0;
        for (OrphanCgroup o : c.orphans()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", o.path());
            m.put("reason", o.reason());
            m.put("usage", o.usage());
            m.put("kmemUsage", o.kmemUsage());
            m.put("tasks", o.tasks());
            list.add(m);
            bytes += o.usage();
        }
        s.put("orphans", list);
        report.metric(
                "hostkit_memcg_orphans",
                "Pod and container memory cgroups whose pod or container is gone.",
                list.size());
        if (!c.orphans().isEmpty()) {
            OrphanCgroup first = c.orphans().get(0);
            long withTasks = c.orphans().stream().filter(o -> o.tasks() > 0).count();
            report.finding(
                    Severity.WARN,
                    "cgroups",
                    c.orphans().size() + " orphaned pod/container memory cgroup(s) hold " + (bytes >> 20)
                            + " MiB; largest " + first.path() + " (" + first.reason() + ")",
                    (withTasks > 0
                                    ? withTasks
                                            + " still hold processes that outlived their container: find them in the cgroup's "
                                            + "tasks file and stop them first; then "
                                    : "")
                            + "remove each orphan with rmdir, deepest directories first (a cgroup with no tasks frees its memory and, "
                            + "once its page cache is reclaimed, its memcg ID)");
        }
    }
}
