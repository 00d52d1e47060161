package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.CgroupGone;
import dev.hostkit.cgroups.internal.KernelFiles;
import dev.hostkit.cgroups.internal.MemcgFiles;
import dev.hostkit.core.Errno;
import dev.hostkit.core.KernelVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Whether kernel-memory (kmem) accounting is active, for the host or one cgroup, why, and whether the host is
 * exposed to the memcg leak that ends in {@code mkdir} failing. Built from facts only; the reasons say which.
 * A fact that cannot be read makes the verdict unknown ({@code known} false, reason starting with
 * {@code unknown:} and naming the file and errno), never a guess: an unknown one is neither active nor exposed.
 *
 * @param scope {@code host} or the cgroup's path
 * @param active true when kernel memory is charged to memory cgroups
 * @param reason why, in one sentence
 * @param exposed true when removed cgroups can exhaust memcg IDs so that {@code mkdir} fails
 * @param exposure why (or why not), in one sentence
 * @param evidence the facts behind the verdict
 * @param known false when a fact the verdict needs could not be read (then {@code active} and {@code exposed} are
 *              false and {@code reason} or {@code exposure} says what was unreadable)
 */
public record KmemVerdict(
        String scope,
        boolean active,
        String reason,
        boolean exposed,
        String exposure,
        List<String> evidence,
        boolean known) {

    /** Copies the evidence list. */
    public KmemVerdict {
        evidence = List.copyOf(evidence);
    }

    /** A verdict built from facts that were all read. */
    public KmemVerdict(
            String scope, boolean active, String reason, boolean exposed, String exposure, List<String> evidence) {
        this(scope, active, reason, exposed, exposure, evidence, true);
    }

    // What the kernel command line says about nokmem, or why it is not known.
    private record Nokmem(boolean set, String unreadable) {
        boolean unknown() {
            return unreadable != null;
        }
    }

    // The running kernel, or why it is not known.
    private record Kernel(KernelVersion version, String unreadable) {}

    /**
     * The host's verdict. On kernels before 4.6, where kmem accounting is switched on per cgroup by setting a kmem
     * limit, it is active when any cgroup of {@code census} (a full census, or {@code null}) charges kmem.
     *
     * @param fs the host's cgroups
     * @param census a full census for per-cgroup evidence, or {@code null}
     * @return the verdict
     */
    public static KmemVerdict ofHost(CgroupFs fs, MemoryCensus census) {
        Kernel kernel = kernel(fs);
        KernelVersion k = kernel.version();
        Nokmem no = nokmem(fs);
        boolean nokmem = no.set();
        List<String> ev = new ArrayList<>();
        ev.add("kernel " + (k == null ? kernel.unreadable() : k.release()));
        ev.add(
                no.unknown()
                        ? no.unreadable()
                        : nokmem
                                ? "booted with " + MemcgFiles.NOKMEM
                                : "no " + MemcgFiles.NOKMEM + " on the kernel command line");
        boolean v2 = fs.memoryIsV2();
        ev.add("memory controller on cgroup " + (v2 ? "v2" : "v1") + " ("
                + fs.layout().label() + " layout)");
        Slabinfo slab = v2 ? Slabinfo.ABSENT : slabinfo(fs.memoryRoot());
        ev.add("root memory.kmem.slabinfo: " + slab.text);
        long charging = 0;
        if (census != null) {
            charging = census.cgroups().stream()
                    .filter(s -> !s.path().equals("/") && s.kmemUsage().orElse(0) > 0)
                    .count();
            ev.add(charging + " of " + census.cgroups().size() + " cgroups " + (charging == 1 ? "charges" : "charge")
                    + " kernel memory");
        }
        boolean active;
        String reason;
        boolean known = true;
        boolean nokmemMatters = k == null || k.atLeast(4, 6) || k.release().contains(".el7");
        if (no.unknown() && nokmemMatters) {
            active = false;
            known = false;
            reason = "unknown: " + no.unreadable() + ", so whether the kernel was booted with " + MemcgFiles.NOKMEM
                    + " is not known";
        } else if (nokmem && nokmemMatters) {
            active = false;
            reason = "kernel booted with " + MemcgFiles.NOKMEM + ": kernel memory is not charged to memory cgroups";
        } else if (v2) {
            active = true;
            reason = "cgroup v2 always charges kernel memory to memory cgroups";
        } else if (k == null) {
            active = false;
            known = false;
            reason = "unknown: " + kernel.unreadable()
                    + ", and on cgroup v1 whether kernel memory is charged depends on it";
        } else if (k.atLeast(4, 6)) {
            active = true;
            reason = "since 4.6 every v1 memory cgroup charges kernel memory unless the kernel is booted with "
                    + MemcgFiles.NOKMEM;
        } else if (charging > 0) {
            active = true;
            reason = "before 4.6 kmem accounting is switched on per cgroup by setting memory.kmem.limit_in_bytes "
                    + "(runc did, writing 1 then -1); "
                    + (charging == 1 ? "1 cgroup charges" : charging + " cgroups charge") + " kernel memory";
        } else if (census == null) {
            active = slab == Slabinfo.READABLE;
            reason = active
                    ? "the root's memory.kmem.slabinfo is readable: kmem accounting was switched on"
                    : "before 4.6 kmem accounting is off unless a kmem limit is set; no evidence that one was (census not taken)";
        } else {
            active = false;
            reason =
                    "before 4.6 kmem accounting is off unless a kmem limit is set, and no cgroup charges kernel memory";
        }
        boolean exposed;
        String exposure;
        MemoryCensus.IdAccounting ids = MemoryCensus.IdAccounting.of(k);
        if (k == null) {
            // The census stays cautious with an unknown kernel; a verdict does not call a host exposed without facts.
            exposed = false;
            known = false;
            exposure = "unknown: " + kernel.unreadable()
                    + ", and whether removed cgroups keep their memcg IDs depends on it";
        } else if (ids == MemoryCensus.IdAccounting.DYING_HOLD_IDS && active) {
            exposed = true;
            exposure = "removed memory cgroups stay pinned by kmem caches and keep their memcg IDs on this kernel: "
                    + "after 65535 of them mkdir fails with ENOSPC";
        } else if (ids == MemoryCensus.IdAccounting.DYING_HOLD_IDS) {
            exposed = true;
            exposure = "dying memory cgroups keep their memcg IDs on this kernel (page cache pins them), "
                    + "but without kmem accounting they are reclaimed as their pages are";
        } else {
            exposed = false;
            exposure = "memcg IDs are recycled when a cgroup goes offline (4.7+): dying cgroups cost memory, "
                    + "not IDs; mkdir fails only with 65535 live memory cgroups";
        }
        return new KmemVerdict("host", active, reason, exposed, exposure, ev, known);
    }

    /**
     * One cgroup's verdict.
     *
     * @param fs the host's cgroups
     * @param stats the cgroup's values
     * @return the verdict for {@code stats.path()}
     */
    public static KmemVerdict ofCgroup(CgroupFs fs, MemoryStats stats) {
        Kernel kernel = kernel(fs);
        KernelVersion k = kernel.version();
        Nokmem no = nokmem(fs);
        boolean nokmem = no.set();
        List<String> ev = new ArrayList<>();
        OptionalLong kmem = stats.kmemUsage();
        ev.add("kmem usage " + (kmem.isPresent() ? kmem.getAsLong() + " bytes" : "not reported"));
        boolean active;
        String reason;
        boolean known = true;
        if (kmem.orElse(0) > 0) {
            active = true;
            reason = "it charges " + kmem.getAsLong() + " bytes of kernel memory";
        } else if (no.unknown() && (k == null || k.atLeast(4, 6))) {
            active = false;
            known = false;
            reason = "unknown: " + no.unreadable() + ", so whether the kernel was booted with " + MemcgFiles.NOKMEM
                    + " is not known";
        } else if (nokmem && (k == null || k.atLeast(4, 6))) {
            active = false;
            reason = "kernel booted with " + MemcgFiles.NOKMEM;
        } else if (stats instanceof MemoryStatsV2) {
            active = true;
            reason = "cgroup v2 always charges kernel memory; nothing charged yet";
        } else if (k != null && k.atLeast(4, 6)) {
            active = true;
            reason = "accounted by default since 4.6; nothing charged yet";
        } else if (stats instanceof MemoryStatsV1 v1
                && v1.kmemLimit().isPresent()
                && v1.kmemLimit().getAsLong() < MemcgFiles.V1_UNLIMITED_THRESHOLD) {
            active = true;
            reason = "a kmem limit of " + v1.kmemLimit().getAsLong() + " bytes is set";
        } else {
            MemoryCgroup cg = fs.memoryCgroup(stats.path());
            Slabinfo slab = slabinfo(cg.dir());
            ev.add("memory.kmem.slabinfo: " + slab.text);
            active = slab == Slabinfo.READABLE;
            reason = active
                    ? "its memory.kmem.slabinfo is readable: accounting was switched on by a kmem limit write"
                    : "before 4.6 accounting needs a kmem limit write, and there is no sign of one";
        }
        MemoryCensus.IdAccounting ids = MemoryCensus.IdAccounting.of(k);
        boolean exposed = k != null && active && ids == MemoryCensus.IdAccounting.DYING_HOLD_IDS;
        String exposure = k == null
                ? "unknown: " + kernel.unreadable() + ", and whether a removed cgroup keeps its memcg ID depends on it"
                : exposed
                        ? "once removed it stays pinned by its kmem caches and keeps its memcg ID"
                        : "removing it does not leak a memcg ID";
        return new KmemVerdict(stats.path(), active, reason, exposed, exposure, ev, known && k != null);
    }

    private static Nokmem nokmem(CgroupFs fs) {
        Path file = fs.proc().proc().resolve("cmdline");
        String cmdline;
        try {
            cmdline = fs.proc().cmdline();
        } catch (UncheckedIOException e) {
            return new Nokmem(false, "cannot read " + file + " (" + errnoName(e.getCause()) + ")");
        }
        for (String arg : cmdline.split("\\s+")) {
            if (arg.equals(MemcgFiles.NOKMEM)) {
                return new Nokmem(true, null);
            }
        }
        return new Nokmem(false, null);
    }

    private static Kernel kernel(CgroupFs fs) {
        Path file = fs.proc().proc().resolve("sys/kernel/osrelease");
        try {
            return new Kernel(fs.proc().kernelVersion(), null);
        } catch (UncheckedIOException e) {
            return new Kernel(null, "cannot read " + file + " (" + errnoName(e.getCause()) + ")");
        } catch (IllegalArgumentException e) {
            return new Kernel(null, "cannot parse " + file + " (" + e.getMessage() + ")");
        }
    }

    private static String errnoName(IOException e) {
        Errno errno = KernelFiles.errnoOf(e);
        return errno != null ? errno.name() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private enum Slabinfo {
        READABLE("readable, lists caches"),
        EMPTY("empty (5.9+ no longer lists per-cgroup caches)"),
        UNREADABLE("unreadable (EIO: kmem accounting off for this cgroup)"),
        ABSENT("absent");

        final String text;

        Slabinfo(String text) {
            this.text = text;
        }
    }

    private static Slabinfo slabinfo(java.nio.file.Path dir) {
        try {
            String s = KernelFiles.read(dir, MemcgFiles.KMEM_SLABINFO);
            if (s == null) {
                return Slabinfo.ABSENT;
            }
            return s.isBlank() ? Slabinfo.EMPTY : Slabinfo.READABLE;
        } catch (CgroupGone | CgroupException e) {
            return Slabinfo.UNREADABLE;
        }
    }
}
