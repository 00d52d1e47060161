package dev.hostkit.cgroups;

import dev.hostkit.cgroups.ReclaimStep.Action;
import dev.hostkit.cgroups.internal.CgroupGone;
import dev.hostkit.cgroups.internal.KernelFiles;
import dev.hostkit.cgroups.internal.MemcgFiles;
import dev.hostkit.core.KernelVersion;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a census into reclaim steps. Reads nothing on v1 (the census has it all); on v2 it descends only into
 * cgroups whose {@code cgroup.stat} counts dying descendants.
 */
final class ReclaimPlanner {
    private static final Comparator<String> DEEPEST_FIRST =
            Comparator.comparingInt(ReclaimPlanner::depth).reversed().thenComparing(Comparator.naturalOrder());

    private ReclaimPlanner() {}

    static ReclaimPlan plan(
            CgroupFs fs, MemoryCensus census, List<OrphanCgroup> orphans, boolean orphansJudged, Reclaim.Options o) {
        boolean v2 = fs.memoryIsV2();
        if (census.memoryV2() != v2) {
            throw new ReclaimException(
                    fs.memoryRoot(),
                    null,
                    "the census is of the " + (census.memoryV2() ? "v2" : "v1") + " memory hierarchy, the host's is "
                            + (v2 ? "v2" : "v1"));
        }
        List<ReclaimStep> steps = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        boolean reclaimable = v2 && hasMemoryReclaim(fs.kernel());
        if (v2 && !reclaimable) {
            notes.add("memory.reclaim needs kernel 5.19 or later, this is " + fs.kernel()
                    + ": only drop_caches can free dying cgroups");
        }

        if (!orphansJudged) {
            notes.add("orphans not judged: no live pod or container ids were given");
        } else if (census.cgroups().isEmpty()) {
            notes.add("orphans not judged: the census read no cgroup files (take a full census)");
        }
        planOrphans(census, orphans, v2, reclaimable, o, steps, notes);

        if (reclaimable) {
            planDyingSubtrees(fs.memoryRoot(), o, steps, notes);
        }

        if (o.dropCaches() != Reclaim.DropCaches.NONE) {
            steps.add(new ReclaimStep(
                    Action.DROP_CACHES,
                    ReclaimStep.DROP_CACHES_TARGET,
                    o.dropCaches().value(),
                    census.dying() + " dying memory cgroups; host-wide, asked for"));
        } else if (census.dying() > 0 && !v2) {
            notes.add(census.dying() + " dying memory cgroups stay until the memory charged to them is reclaimed: "
                    + "on v1 only drop_caches does that, and it was not asked for");
        }
        return new ReclaimPlan(v2, census.dying(), steps, notes, o);
    }

    // memory.reclaim appeared in 5.19 (commit 94968384dde1); an unknown kernel is tried, execute reports the errno.
    private static boolean hasMemoryReclaim(KernelVersion k) {
        return k == null || k.atLeast(5, 19);
    }

    private static void planOrphans(
            MemoryCensus census,
            List<OrphanCgroup> orphans,
            boolean v2,
            boolean reclaimable,
            Reclaim.Options o,
            List<ReclaimStep> steps,
            List<String> notes) {
        Set<String> orphanPaths = new HashSet<>();
        List<OrphanCgroup> usable = new ArrayList<>();
        for (OrphanCgroup orphan : orphans) {
            if (orphan.path().equals("/")) {
                continue; // never the root: OrphanCgroup does not produce it, a hand-made list might
            }
            if (orphan.tasks() > 0) {
                notes.add("orphan " + orphan.path() + " (" + orphan.reason() + ") still has " + orphan.tasks()
                        + " tasks: not touched");
                continue;
            }
            usable.add(orphan);
            orphanPaths.add(orphan.path());
        }
        // Each orphan's subtree, for removal deepest first: one pass over the census, walking up to an orphan.
        Map<String, List<String>> subtrees = new HashMap<>();
        if (o.removeOrphans()) {
            for (MemoryStats s : census.cgroups()) {
                for (String p = s.path(); !p.equals("/"); p = OrphanCgroup.parent(p)) {
                    if (orphanPaths.contains(p)) {
                        subtrees.computeIfAbsent(p, k -> new ArrayList<>()).add(s.path());
                        break;
                    }
                }
            }
        }
        for (OrphanCgroup orphan : usable) {
            String charged = orphan.usage() + " bytes charged";
            if (orphan.usage() > 0 && !v2) {
                steps.add(new ReclaimStep(Action.FORCE_EMPTY, orphan.path(), 0, orphan.reason() + ", " + charged));
            } else if (orphan.usage() > 0 && reclaimable) {
                long amount = Math.min(orphan.usage(), o.reclaimBytesPerStep());
                steps.add(new ReclaimStep(
                        Action.MEMORY_RECLAIM,
                        orphan.path(),
                        amount,
                        orphan.reason() + ", " + charged
                                + (amount < orphan.usage() ? " (this step asks for " + amount + ")" : "")));
            }
            if (o.removeOrphans()) {
                List<String> dirs = subtrees.getOrDefault(orphan.path(), List.of(orphan.path()));
                if (dirs.size() > 1) {
                    dirs.sort(DEEPEST_FIRST);
                }
                dirs.forEach(d -> steps.add(new ReclaimStep(
                        Action.REMOVE,
                        d,
                        0,
                        d.equals(orphan.path()) ? orphan.reason() : "inside orphan " + orphan.path())));
            }
        }
        if (!o.removeOrphans() && !usable.isEmpty()) {
            notes.add(usable.size() + " orphaned cgroups emptied but left in place: removal was not asked for");
        }
    }

    /**
     * v2: the cgroups that directly hold dying children, found by descending from the root into children whose
     * {@code cgroup.stat} counts dying descendants. A cgroup whose children account for fewer dying descendants
     * than its own count holds some directly: {@code memory.reclaim} there reaches them (it walks offline memcgs too).
     */
    private static void planDyingSubtrees(Path root, Reclaim.Options o, List<ReclaimStep> steps, List<String> notes) {
        long rootDying = dying(root);
        if (rootDying <= 0) {
            return;
        }
        record Target(String path, long dying, long direct) {}
        List<Target> targets = new ArrayList<>();
        record Visit(Path dir, String path, long dying) {}
        List<Visit> stack = new ArrayList<>();
        stack.add(new Visit(root, "/", rootDying));
        while (!stack.isEmpty()) {
            Visit v = stack.remove(stack.size() - 1);
            String path = v.path();
            long dying = v.dying();
            long inChildren = 0;
            for (Path child : childCgroups(v.dir())) {
                long d = dying(child);
                if (d > 0) {
                    inChildren += d;
                    String name = child.getFileName().toString();
                    stack.add(new Visit(child, path.equals("/") ? "/" + name : path + "/" + name, d));
                }
            }
            long direct = dying - inChildren;
            if (direct > 0) {
                if (path.equals("/")) {
                    notes.add(
                            direct + " dying cgroups directly under the root: memory.reclaim there would be host-wide; "
                                    + "drop_caches frees them");
                } else {
                    targets.add(new Target(path, dying, direct));
                }
            }
        }
        targets.sort(Comparator.comparingLong(Target::direct).reversed().thenComparing(Target::path));
        if (targets.size() > o.maxReclaimTargets()) {
            notes.add((targets.size() - o.maxReclaimTargets()) + " more cgroups hold dying children; only the "
                    + o.maxReclaimTargets() + " with the most are planned");
        }
        for (Target t : targets.subList(0, Math.min(targets.size(), o.maxReclaimTargets()))) {
            steps.add(new ReclaimStep(
                    Action.MEMORY_RECLAIM,
                    t.path(),
                    o.reclaimBytesPerStep(),
                    t.direct() + " dying children (" + t.dying() + " dying descendants)"));
        }
    }

    // Dying memory cgroups below a v2 cgroup: nr_dying_subsys_memory (6.13+) else nr_dying_descendants; 0 when unknown.
    private static long dying(Path dir) {
        try {
            Map<String, Long> stat = KernelFiles.readKeyed(dir, MemcgFiles.CGROUP_STAT);
            if (stat == null) {
                return 0;
            }
            Long memory = stat.get(MemcgFiles.NR_DYING_SUBSYS_MEMORY);
            return memory != null ? memory : stat.getOrDefault(MemcgFiles.NR_DYING_DESCENDANTS, 0L);
        } catch (CgroupGone | CgroupException e) {
            return 0;
        }
    }

    private static List<Path> childCgroups(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (!MemcgFiles.isControlFile(p.getFileName().toString())
                        && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // removed or unlistable: its dying count stays with the parent
        }
        return out;
    }

    private static int depth(String path) {
        int n = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }
}
