package dev.hostkit.samples;

import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.KmemVerdict;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.cgroups.MkdirDiagnosis;
import dev.hostkit.core.Errno;

import java.nio.file.Path;

/**
 * Incident 2: kubelet switched on kernel-memory accounting in every container's memory cgroup; on old kernels the
 * removed cgroups kept their memcg IDs until the 65535 ran out and pod creation failed with "mkdir ...: no space left
 * on device". This program counts the memory cgroups, judges kmem accounting and explains such an ENOSPC.
 *
 * <p>{@code KmemCensus [ROOT]}: ROOT is the host's {@code /} (default), or a tree laid out like one (a fixture).
 */
public final class KmemCensus {
    private KmemCensus() {}

    public static void main(String[] args) {
        CgroupFs fs = args.length > 0 ? CgroupFs.at(Path.of(args[0])) : CgroupFs.system();
        MemoryCensus census = MemoryCensus.full(fs); // live, dying, ID headroom, risk; never fails on one bad file
        System.out.printf(
                "kernel %s, %s: %d live, %d dying memory cgroups, %d memcg IDs left, risk %s%n",
                census.kernel(),
                fs.layout().label(),
                census.live(),
                census.dying(),
                census.idHeadroom(),
                census.risk().label());
        census.riskReasons().forEach(r -> System.out.println("  " + r));

        KmemVerdict kmem = KmemVerdict.ofHost(fs, census);
        System.out.println("kmem accounting " + (kmem.active() ? "active" : "off") + ": " + kmem.reason());
        System.out.println((kmem.exposed() ? "exposed: " : "not exposed: ") + kmem.exposure());

        // What a failed pod creation would be told: is this ENOSPC the memcg ID leak, and what to do.
        MkdirDiagnosis why = MkdirDiagnosis.diagnose(
                fs, census, Errno.ENOSPC, fs.memoryRoot().resolve("kubepods/new-pod"));
        System.out.println(why.summary());
        why.evidence().forEach(e -> System.out.println("  because " + e));
        why.remedies().forEach(r -> System.out.println("  do: " + r));
    }
}
