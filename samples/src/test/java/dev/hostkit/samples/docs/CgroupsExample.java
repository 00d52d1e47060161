package dev.hostkit.samples.docs;

import dev.hostkit.cgroups.CgroupException;
import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.KmemVerdict;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.cgroups.MkdirDiagnosis;
import dev.hostkit.cgroups.OrphanCgroup;
import dev.hostkit.core.Errno;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The example of {@code cgroups/README.md}, kept here so the page compiles against the real API.
 * {@link ReadmeExamplesIT} runs it on this host's cgroups.
 */
final class CgroupsExample {
    private CgroupsExample() {}

    /** Prints the census, the kmem verdict, the orphans and why {@code failedMkdir} failed; returns the diagnosis. */
    static MkdirDiagnosis report(Path failedMkdir, Set<String> livePodUids, Set<String> liveContainerIds) {
        // --- README example starts
        CgroupFs fs = CgroupFs.system(); // or CgroupFs.at(fixtureRoot): same code, a fixture tree
        MemoryCensus census;
        try {
            census = MemoryCensus.full(
                    fs, MemoryCensus.Options.DEFAULT.withTop(5)); // MemoryCensus.counts(fs): no file read
        } catch (CgroupException e) {
            System.err.println(e.getMessage()); // /proc/self/mountinfo: no memory controller is mounted (...)
            throw e;
        }
        System.out.printf(
                "%s, kernel %s: %d live, %d dying memory cgroups; %d memcg IDs left -> %s%n",
                fs.layout().label(),
                census.kernel(),
                census.live(),
                census.dying(),
                census.idHeadroom(),
                census.risk().label());
        census.riskReasons().forEach(r -> System.out.println("  " + r));
        census.top().forEach(u -> System.out.println("  kmem " + u.kmemUsage() + " B  " + u.path() + "  " + u.owner()));
        census.problems().forEach(p -> System.out.println("  could not read: " + p)); // never fatal in a census

        KmemVerdict kmem = KmemVerdict.ofHost(fs, census);
        System.out.println("kmem accounting " + (kmem.active() ? "active" : "off") + ": " + kmem.reason());
        System.out.println((kmem.exposed() ? "exposed: " : "not exposed: ") + kmem.exposure());

        List<OrphanCgroup> orphans = OrphanCgroup.find(census, livePodUids, liveContainerIds); // null set = not judged
        orphans.forEach(
                o -> System.out.println("orphan " + o.path() + ": " + o.reason() + ", " + o.tasks() + " tasks"));

        MkdirDiagnosis why = MkdirDiagnosis.diagnose(fs, census, Errno.ENOSPC, failedMkdir);
        System.out.println(why.summary());
        why.evidence().forEach(e -> System.out.println("  because " + e));
        why.remedies().forEach(r -> System.out.println("  do: " + r));
        return why;
        // --- README example ends
    }
}
