package dev.hostkit.cgroups;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod or container cgroup whose pod or container no longer exists, with what it still holds.
 * Only the topmost orphan of a subtree is listed; its task count covers the whole subtree.
 *
 * @param path the cgroup's path
 * @param owner the pod/container the path names
 * @param reason why it is an orphan, in words
 * @param usage bytes charged (hierarchical in v1 with use_hierarchy and in v2)
 * @param kmemUsage kernel memory bytes charged
 * @param tasks tasks left in it and its descendants
 */
public record OrphanCgroup(String path, CgroupOwner owner, String reason, long usage, long kmemUsage, long tasks) {

    /**
     * The orphans among a full census's cgroups, judging every runtime's containers against one id set (use the
     * four-argument form when the ids come from one runtime only, e.g. the Docker Engine on a containerd node).
     *
     * @param census a {@link MemoryCensus#full full} census
     * @param livePodUids UIDs of the pods that exist (dashes or underscores), or {@code null} when unknown: pods are then not judged
     * @param liveContainerIds ids of the containers that exist (full or 12-character short ids), or {@code null} when unknown
     * @return the orphans, largest memory usage first
     */
    public static List<OrphanCgroup> find(MemoryCensus census, Set<String> livePodUids, Set<String> liveContainerIds) {
        return find(census, livePodUids, liveContainerIds, null);
    }

    /**
     * The orphans among a full census's cgroups, judging only the containers of the runtimes {@code liveContainerIds}
     * covers: a Docker Engine's list says nothing of containerd's or CRI-O's containers, which must not be called
     * orphans for missing from it. A kubelet container cgroup whose runtime its path does not tell (cgroupfs driver)
     * is judged only when pods are, since the pod list then comes from the kubelet's own runtime.
     *
     * @param census a {@link MemoryCensus#full full} census
     * @param livePodUids UIDs of the pods that exist (dashes or underscores), or {@code null} when unknown: pods are then not judged
     * @param liveContainerIds ids of the containers that exist (full or 12-character short ids), or {@code null} when unknown
     * @param idsCover the runtimes whose containers {@code liveContainerIds} lists, or {@code null} for all of them
     * @return the orphans, largest memory usage first
     */
    public static List<OrphanCgroup> find(
            MemoryCensus census,
            Set<String> livePodUids,
            Set<String> liveContainerIds,
            Set<CgroupOwner.Runtime> idsCover) {
        Set<String> pods = livePodUids == null ? null : normalize(livePodUids, false);
        Set<String> containers = liveContainerIds == null ? null : normalize(liveContainerIds, true);
        // The topmost orphans first (parents come before children), their subtrees' tasks after: only cgroups with
        // tasks are walked up, and on a host full of orphans nearly none has any.
        List<MemoryStats> found = new ArrayList<>();
        List<CgroupOwner> owners = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        Map<String, Long> subtreeTasks = new HashMap<>();
        for (MemoryStats s : census.cgroups()) {
            if (below(s.path(), subtreeTasks.keySet())) {
                continue; // inside an orphan already listed: checked before parsing, which is the expensive part
            }
            CgroupOwner owner = CgroupOwner.parse(s.path()).orElse(null);
            if (owner == null) {
                continue;
            }
            String reason = null;
            if (pods != null && owner.podUid() != null && !pods.contains(owner.podUid())) {
                reason = "pod " + owner.podUid() + " no longer exists";
            } else if (containers != null
                    && owner.containerId() != null
                    && covered(owner, idsCover, pods != null)
                    && !containers.contains(owner.containerId().substring(0, 12))) {
                reason = "container " + owner.containerId().substring(0, 12) + " no longer exists";
            }
            if (reason != null) {
                subtreeTasks.put(s.path(), 0L);
                found.add(s);
                owners.add(owner);
                reasons.add(reason);
            }
        }
        if (!subtreeTasks.isEmpty()) {
            for (MemoryStats s : census.cgroups()) {
                long t = s.tasks().orElse(0);
                if (t == 0) {
                    continue;
                }
                for (String p = s.path(); ; p = parent(p)) {
                    if (subtreeTasks.containsKey(p)) {
                        subtreeTasks.merge(p, t, Long::sum);
                        break;
                    }
                    if (p.equals("/")) {
                        break;
                    }
                }
            }
        }
        List<OrphanCgroup> out = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            MemoryStats s = found.get(i);
            out.add(new OrphanCgroup(
                    s.path(),
                    owners.get(i),
                    reasons.get(i),
                    s.usage().orElse(0),
                    s.kmemUsage().orElse(0),
                    subtreeTasks.get(s.path())));
        }
        out.sort(Comparator.comparingLong(OrphanCgroup::usage).reversed());
        return out;
    }

    private static boolean covered(CgroupOwner owner, Set<CgroupOwner.Runtime> idsCover, boolean podsJudged) {
        if (idsCover == null) {
            return true;
        }
        return owner.runtime() == CgroupOwner.Runtime.UNKNOWN
                ? podsJudged && owner.podUid() != null
                : idsCover.contains(owner.runtime());
    }

    private static Set<String> normalize(Set<String> ids, boolean shortIds) {
        Set<String> out = new java.util.HashSet<>();
        for (String id : ids) {
            String s = id.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            out.add(shortIds && s.length() > 12 ? s.substring(0, 12) : s);
        }
        return out;
    }

    // True when a strict ancestor of path is in the set.
    private static boolean below(String path, Set<String> ancestors) {
        if (ancestors.isEmpty() || path.equals("/")) {
            return false;
        }
        for (String p = parent(path); ; p = parent(p)) {
            if (ancestors.contains(p)) {
                return true;
            }
            if (p.equals("/")) {
                return false;
            }
        }
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }
}
