package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.MemcgFiles;
import dev.hostkit.core.Errno;
import dev.hostkit.core.KernelVersion;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Why a cgroup {@code mkdir} failed with ENOSPC or ENOMEM: whether memcg ID exhaustion is the likely cause,
 * the evidence (counts, kernel, kmem state), and the remedies in the order to try them.
 *
 * @param path the directory that could not be made
 * @param errno the error mkdir returned
 * @param likely true when memcg exhaustion is the likely cause
 * @param summary the verdict in one plain sentence
 * @param evidence the facts it rests on
 * @param remedies what to do, first thing first (empty when exhaustion is not the cause)
 */
public record MkdirDiagnosis(
        Path path, Errno errno, boolean likely, String summary, List<String> evidence, List<String> remedies) {

    /** Copies the lists. */
    public MkdirDiagnosis {
        evidence = List.copyOf(evidence);
        remedies = List.copyOf(remedies);
    }

    /**
     * The IDs left at or below which a failed mkdir is put down to exhaustion. Not 0: the counts are taken after the
     * failure, while the runtime keeps creating and removing cgroups, and a 3.10 host fails a little early.
     */
    static final long EXHAUSTED_HEADROOM = 1024;

    /**
     * Diagnoses a failed mkdir, taking a counts-only census of {@code fs}.
     *
     * @param fs the host's cgroups
     * @param errno what mkdir returned
     * @param path the directory it tried to make
     * @return the diagnosis
     */
    public static MkdirDiagnosis diagnose(CgroupFs fs, Errno errno, Path path) {
        return diagnose(fs, MemoryCensus.counts(fs), errno, path);
    }

    /**
     * Diagnoses a failed mkdir with a census already taken.
     *
     * @param fs the host's cgroups
     * @param census a census of {@code fs}
     * @param errno what mkdir returned
     * @param path the directory it tried to make
     * @return the diagnosis
     */
    public static MkdirDiagnosis diagnose(CgroupFs fs, MemoryCensus census, Errno errno, Path path) {
        KernelVersion k = census.kernel();
        List<String> ev = new ArrayList<>();
        ev.add("kernel " + (k == null ? "unknown" : k.release()) + ": " + expectation(k));
        ev.add(census.live() + " live and " + census.dying() + " dying memory cgroups"
                + census.procCgroupsCount().stream()
                        .mapToObj(n -> " (/proc/cgroups num_cgroups " + n + ")")
                        .findFirst()
                        .orElse(""));
        ev.add(census.idsInUse() + " memcg IDs in use, " + census.idHeadroom() + " left of "
                + MemcgFiles.MEM_CGROUP_ID_MAX
                + (census.idAccounting() == MemoryCensus.IdAccounting.DYING_HOLD_IDS
                        ? " (dying cgroups hold IDs)"
                        : " (IDs recycled on offline)"));
        KmemVerdict kmem = KmemVerdict.ofHost(fs, census.cgroups().isEmpty() ? null : census);
        ev.add("kmem accounting " + (kmem.active() ? "active" : "off") + ": " + kmem.reason());

        boolean underMemory = path.toAbsolutePath()
                .normalize()
                .startsWith(fs.memoryRoot().toAbsolutePath().normalize());
        if (!underMemory) {
            ev.add(path + " is not under the memory hierarchy " + fs.memoryRoot());
        }
        if (errno != Errno.ENOSPC && errno != Errno.ENOMEM) {
            return new MkdirDiagnosis(
                    path,
                    errno,
                    false,
                    "mkdir failed with " + errno.describe()
                            + ": memcg exhaustion shows as ENOSPC or ENOMEM, so it is not the cause",
                    ev,
                    List.of());
        }
        boolean exhausted = census.idHeadroom() <= EXHAUSTED_HEADROOM;
        boolean errnoFits = errnoFits(k, errno);
        if (!errnoFits) {
            ev.add(errno.name() + " is not what this kernel returns when memcg IDs run out (" + expectation(k) + ")");
        }
        boolean likely = exhausted && (errnoFits || k == null);
        String summary;
        if (likely) {
            summary = "Likely memcg exhaustion: only " + census.idHeadroom() + " memcg IDs are left, "
                    + (census.idAccounting() == MemoryCensus.IdAccounting.DYING_HOLD_IDS
                            ? census.dying() + " of them held by removed cgroups the kernel has not freed yet."
                            : "taken by " + census.live() + " live memory cgroups.");
        } else if (exhausted) {
            summary = "memcg IDs are nearly exhausted (" + census.idHeadroom()
                    + " left), but this kernel reports that with " + expectation(k) + ", not " + errno.name()
                    + "; exhaustion is possible, check the other causes too.";
            likely = errno == Errno.ENOMEM || errno == Errno.ENOSPC;
        } else if (errno == Errno.ENOMEM) {
            summary = "Not memcg exhaustion (" + census.idHeadroom()
                    + " IDs left): ENOMEM here means the kernel could not "
                    + "allocate memory for the new cgroup, or a limit of the parent (pids, cgroup.max.descendants) was hit.";
        } else {
            summary = "Not memcg exhaustion (" + census.idHeadroom()
                    + " IDs left): ENOSPC comes from another limit, e.g. "
                    + "cgroup.max.descendants/max.depth or another controller's ID space.";
        }
        return new MkdirDiagnosis(path, errno, likely, summary, ev, likely ? remedies(census, kmem) : List.of());
    }

    private static boolean errnoFits(KernelVersion k, Errno errno) {
        if (k == null) {
            return true;
        }
        if (!k.atLeast(4, 7) || k.atLeast(5, 7)) {
            return errno == Errno.ENOSPC;
        }
        // 4.7-5.6 return ENOMEM; the fix (11d6761218d1) went back to 5.4.y stable, so either may be seen there.
        return k.major() == 5 && k.minor() == 4 || errno == Errno.ENOMEM;
    }

    private static String expectation(KernelVersion k) {
        if (k == null) {
            return "ENOSPC or ENOMEM when memcg IDs run out";
        }
        if (!k.atLeast(4, 7)) {
            return "ENOSPC when memcg IDs run out (dying cgroups hold IDs)";
        }
        if (!k.atLeast(5, 7)) {
            return k.major() == 5 && k.minor() == 4
                    ? "ENOMEM, or ENOSPC on later 5.4.y, when memcg IDs run out"
                    : "ENOMEM when memcg IDs run out";
        }
        return "ENOSPC when memcg IDs run out";
    }

    /**
     * The remedies for memcg exhaustion or a growing dying count, in the order to try them.
     *
     * @param census the census that found the risk
     * @param kmem the host's kmem verdict
     * @return drop caches; stop kmem accounting (when it is active); reboot
     */
    public static List<String> remedies(MemoryCensus census, KmemVerdict kmem) {
        List<String> r = new ArrayList<>();
        r.add(
                "Reap dying memory cgroups: sync; echo 3 > /proc/sys/vm/drop_caches (frees the page cache and slab that pin "
                        + "them), then watch the memory row of /proc/cgroups fall");
        if (kmem.active()) {
            r.add(
                    "Stop kmem accounting: boot with " + MemcgFiles.NOKMEM
                            + " (4.6+ and kernels that backport it), build kubelet "
                            + "with -tags=nokmem (Kubernetes 1.14+), and run runc >= 1.0.0-rc94, which ignores kernel memory settings");
        }
        r.add("Reboot the node: IDs held by cgroups still pinned by kernel memory are only freed by a reboot"
                + (census.idAccounting() == MemoryCensus.IdAccounting.DYING_HOLD_IDS ? " on this kernel" : ""));
        return r;
    }
}
