package dev.hostkit.doctor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.cgroups.CgroupException;
import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.CgroupOwner;
import dev.hostkit.cgroups.KmemVerdict;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.cgroups.MkdirDiagnosis;
import dev.hostkit.cgroups.OrphanCgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The memory cgroup section of a host survey: census, kmem verdict, orphans and remedies, with its text and JSON
 * renderings. Shared by {@code hostkit cgroups} and the doctor so both judge a host the same way.
 *
 * @param census the full census
 * @param kmem the host's kmem verdict
 * @param orphans orphaned pod/container cgroups (empty when no live ids were given)
 * @param orphansJudged true when live pod or container ids were given, so orphans could be judged
 * @param remedies what to do when the risk is not ok (empty when ok)
 */
public record CgroupsReport(
        MemoryCensus census,
        KmemVerdict kmem,
        List<OrphanCgroup> orphans,
        boolean orphansJudged,
        List<String> remedies) {
    /** 0 ok, 1 warn, 2 critical, as the doctor counts. */
    public int exitStatus() {
        return switch (census.risk()) {
            case OK -> 0;
            case WARN -> 1;
            case CRITICAL -> 2;
        };
    }

    /** The report for the host (or fixture tree) at {@code root}, top 10, orphans not judged: what the doctor shows. */
    public static CgroupsReport of(Path root) {
        return of(root, 10, null, null, null);
    }

    /**
     * The report for {@code root}.
     *
     * @param idsCover the runtimes whose containers {@code liveContainerIds} lists (null: all)
     * @throws CgroupException when the root has no memory cgroup hierarchy
     */
    public static CgroupsReport of(
            Path root,
            int top,
            Set<String> livePodUids,
            Set<String> liveContainerIds,
            Set<CgroupOwner.Runtime> idsCover) {
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus census = MemoryCensus.full(fs, MemoryCensus.Options.DEFAULT.withTop(top));
        KmemVerdict kmem = KmemVerdict.ofHost(fs, census);
        boolean judged = livePodUids != null || liveContainerIds != null;
        List<OrphanCgroup> orphans =
                judged ? OrphanCgroup.find(census, livePodUids, liveContainerIds, idsCover) : List.of();
        List<String> remedies =
                census.risk() == MemoryCensus.Risk.OK ? List.of() : MkdirDiagnosis.remedies(census, kmem);
        return new CgroupsReport(census, kmem, orphans, judged, remedies);
    }

    public static String toText(CgroupsReport r) {
        MemoryCensus c = r.census();
        StringBuilder b = new StringBuilder();
        b.append("hierarchy   ")
                .append(c.layout().label())
                .append(" (memory on ")
                .append(c.memoryV2() ? "v2" : "v1")
                .append("), kernel ")
                .append(c.kernel() == null ? "unknown" : c.kernel().release())
                .append('\n');
        b.append("memory      ")
                .append(c.live())
                .append(" live, ")
                .append(c.dying())
                .append(" dying");
        c.procCgroupsCount()
                .ifPresent(n -> b.append(" (/proc/cgroups ").append(n).append(')'));
        b.append('\n');
        b.append("memcg IDs   ")
                .append(c.idHeadroom())
                .append(" left of 65535 (")
                .append(
                        c.idAccounting() == MemoryCensus.IdAccounting.DYING_HOLD_IDS
                                ? "dying cgroups hold IDs"
                                : "IDs recycled on offline")
                .append(")\n");
        b.append("risk        ")
                .append(c.risk().label().toUpperCase(java.util.Locale.ROOT))
                .append('\n');
        for (String reason : c.riskReasons()) {
            b.append("            - ").append(reason).append('\n');
        }
        b.append("kmem        ")
                .append(r.kmem().active() ? "active" : "inactive")
                .append(": ")
                .append(r.kmem().reason())
                .append('\n');
        b.append("exposure    ")
                .append(r.kmem().exposed() ? "EXPOSED: " : "not exposed: ")
                .append(r.kmem().exposure())
                .append('\n');
        b.append("top kmem\n");
        if (c.top().isEmpty()) {
            b.append("            (none)\n");
        }
        for (MemoryCensus.CgroupUsage u : c.top()) {
            b.append(String.format(
                    "  %10s  %10s  %4d tasks  %s%n", mib(u.kmemUsage()), mib(u.usage()), u.tasks(), u.path()));
        }
        b.append("orphans\n");
        if (!r.orphansJudged()) {
            b.append("            (not judged: no live pod or container list)\n");
        } else if (r.orphans().isEmpty()) {
            b.append("            (none)\n");
        }
        for (OrphanCgroup o : r.orphans()) {
            b.append(String.format(
                    "  %10s  %10s  %4d tasks  %s  (%s)%n",
                    mib(o.kmemUsage()), mib(o.usage()), o.tasks(), o.path(), o.reason()));
        }
        if (!r.remedies().isEmpty()) {
            b.append("remedies\n");
            int i = 1;
            for (String remedy : r.remedies()) {
                b.append("  ").append(i++).append(". ").append(remedy).append('\n');
            }
        }
        for (String p : c.problems()) {
            b.append("problem     ").append(p).append('\n');
        }
        return b.toString().stripTrailing();
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** The report as one JSON object: hierarchy, memory.{live,dying,idHeadroom,risk...}, kmem.{active,reason...}, top, orphans. */
    public static String toJson(CgroupsReport r) {
        try {
            return new ObjectMapper().writeValueAsString(toMap(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the cgroups report as JSON", e);
        }
    }

    public static Map<String, Object> toMap(CgroupsReport r) {
        MemoryCensus c = r.census();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("hierarchy", c.layout().label());
        out.put("kernel", c.kernel() == null ? null : c.kernel().release());
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("version", c.memoryV2() ? "v2" : "v1");
        memory.put("live", c.live());
        memory.put("dying", c.dying());
        memory.put(
                "procCgroups",
                c.procCgroupsCount().isPresent() ? c.procCgroupsCount().getAsLong() : null);
        memory.put("idsInUse", c.idsInUse());
        memory.put("idHeadroom", c.idHeadroom());
        memory.put("idAccounting", c.idAccounting().name().toLowerCase(java.util.Locale.ROOT));
        memory.put("risk", c.risk().label());
        memory.put("riskReasons", c.riskReasons());
        out.put("memory", memory);
        Map<String, Object> kmem = new LinkedHashMap<>();
        kmem.put("active", r.kmem().active());
        kmem.put("reason", r.kmem().reason());
        kmem.put("exposed", r.kmem().exposed());
        kmem.put("exposure", r.kmem().exposure());
        kmem.put("evidence", r.kmem().evidence());
        out.put("kmem", kmem);
        List<Object> top = new ArrayList<>();
        for (MemoryCensus.CgroupUsage u : c.top()) {
            top.add(usage(u.path(), null, u.usage(), u.kmemUsage(), u.tasks(), u.owner()));
        }
        out.put("top", top);
        List<Object> orphans = new ArrayList<>();
        for (OrphanCgroup o : r.orphans()) {
            orphans.add(usage(o.path(), o.reason(), o.usage(), o.kmemUsage(), o.tasks(), o.owner()));
        }
        out.put("orphans", orphans);
        out.put("orphansJudged", r.orphansJudged());
        out.put("remedies", r.remedies());
        out.put("problems", c.problems());
        return out;
    }

    private static Map<String, Object> usage(
            String path, String reason, long usage, long kmemUsage, long tasks, CgroupOwner o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        if (reason != null) {
            m.put("reason", reason);
        }
        m.put("usage", usage);
        m.put("kmemUsage", kmemUsage);
        m.put("tasks", tasks);
        if (o != null) {
            m.put("podUid", o.podUid());
            m.put("containerId", o.containerId());
            m.put("qos", o.qos() == null ? null : o.qos().name().toLowerCase(java.util.Locale.ROOT));
            m.put("runtime", o.runtime().name().toLowerCase(java.util.Locale.ROOT));
        }
        return m;
    }
}
