package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.HierarchyWalk;
import dev.hostkit.cgroups.internal.KernelFiles;
import dev.hostkit.cgroups.internal.MemcgFiles;
import dev.hostkit.core.KernelVersion;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pass over the whole memory hierarchy: live and dying memory cgroups, memcg ID headroom, the top kmem
 * users and a risk level. Never throws for what it finds: unreadable or garbled cgroups become {@link #problems()}.
 *
 * @param layout v1, v2 or hybrid
 * @param memoryV2 true when the memory controller is on the unified (v2) hierarchy
 * @param kernel the running kernel, or {@code null} when unknown
 * @param live memory cgroups visible in the hierarchy, the root included
 * @param dying cgroups removed but not yet freed (v1: {@code num_cgroups} of /proc/cgroups minus {@code live};
 *              v2: {@code nr_dying_subsys_memory} or {@code nr_dying_descendants} of the root's cgroup.stat)
 * @param procCgroupsCount {@code num_cgroups} of the memory row in /proc/cgroups (v1 only)
 * @param idAccounting whether dying cgroups still hold memcg IDs on this kernel
 * @param idsInUse memcg IDs taken, by that rule
 * @param idHeadroom IDs left before {@code mkdir} fails ({@code 65535 - idsInUse}, never below 0)
 * @param risk ok, warn or critical by the thresholds used
 * @param riskReasons why the risk is what it is, in words
 * @param top the leaf cgroups using the most kernel memory, largest first (full census only)
 * @param cgroups every cgroup's values, root first (full census only)
 * @param problems cgroups or files that could not be read, and counts that are only estimates
 */
public record MemoryCensus(
        CgroupLayout layout,
        boolean memoryV2,
        KernelVersion kernel,
        long live,
        long dying,
        OptionalLong procCgroupsCount,
        IdAccounting idAccounting,
        long idsInUse,
        long idHeadroom,
        Risk risk,
        List<String> riskReasons,
        List<CgroupUsage> top,
        List<MemoryStats> cgroups,
        List<String> problems) {

    /** Copies the lists so the record stays immutable. */
    public MemoryCensus {
        riskReasons = List.copyOf(riskReasons);
        top = List.copyOf(top);
        cgroups = Collections.unmodifiableList(new ArrayList<>(cgroups));
        problems = List.copyOf(problems);
    }

    /** How close the host is to failing {@code mkdir} of a memory cgroup. */
    public enum Risk {
        /** Plenty of IDs and few dying cgroups. */
        OK,
        /** Headroom or dying count crossed the warning threshold. */
        WARN,
        /** Headroom or dying count crossed the critical threshold: mkdir will fail soon. */
        CRITICAL;

        /** {@code ok}, {@code warn} or {@code critical}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What a dying memory cgroup costs in memcg IDs on the running kernel. */
    public enum IdAccounting {
        /**
         * Before 4.7 a memcg kept its ID until it was freed, so dying cgroups pinned by kmem caches or page
         * cache use IDs: 3.10 (RHEL/CentOS 7) exhausts the 65535 IDs and {@code mkdir} fails with ENOSPC.
         */
        DYING_HOLD_IDS,
        /**
         * From 4.7 (commit 73f576c04b94) the ID is released when the cgroup goes offline; only dying cgroups
         * that still own swapped-out pages keep theirs. Dying cgroups then cost memory, not IDs.
         */
        RECYCLED_ON_OFFLINE;

        /** The rule for a kernel; an unknown kernel gets the cautious {@link #DYING_HOLD_IDS}. */
        public static IdAccounting of(KernelVersion kernel) {
            return kernel == null || !kernel.atLeast(4, 7) ? DYING_HOLD_IDS : RECYCLED_ON_OFFLINE;
        }
    }

    /**
     * When the census says warn or critical. Headroom counts memcg IDs left; dying counts removed-but-pinned cgroups.
     *
     * @param warnHeadroom warn when fewer IDs than this are left
     * @param criticalHeadroom critical when fewer IDs than this are left
     * @param warnDying warn when at least this many cgroups are dying
     * @param criticalDying critical when at least this many cgroups are dying
     */
    public record Thresholds(long warnHeadroom, long criticalHeadroom, long warnDying, long criticalDying) {
        /** 16384 / 4096 IDs left, 5000 / 20000 dying. */
        public static final Thresholds DEFAULT = new Thresholds(16384, 4096, 5000, 20000);

        /** Rejects thresholds in the wrong order. */
        public Thresholds {
            if (criticalHeadroom > warnHeadroom || criticalDying < warnDying || criticalHeadroom < 0 || warnDying < 0) {
                throw new IllegalArgumentException(
                        "thresholds out of order: critical headroom " + criticalHeadroom + " must be <= warn "
                                + warnHeadroom + ", critical dying " + criticalDying + " >= warn " + warnDying);
            }
        }
    }

    /**
     * How to take a census.
     *
     * @param thresholds risk thresholds
     * @param top how many top kmem users to keep
     * @param threads reader threads for the full census (1 reads on the caller's thread)
     */
    public record Options(Thresholds thresholds, int top, int threads) {
        /** Default thresholds, top 10, one reader per CPU. */
        public static final Options DEFAULT =
                new Options(Thresholds.DEFAULT, 10, Runtime.getRuntime().availableProcessors());

        /** Rejects a negative top or fewer than one thread. */
        public Options {
            if (top < 0 || threads < 1) {
                throw new IllegalArgumentException(
                        "top must be >= 0 and threads >= 1, got top=" + top + " threads=" + threads);
            }
        }

        /** These options with other thresholds. */
        public Options withThresholds(Thresholds t) {
            return new Options(t, top, threads);
        }

        /** These options reading with {@code n} threads. */
        public Options withThreads(int n) {
            return new Options(thresholds, top, n);
        }

        /** These options keeping {@code n} top users. */
        public Options withTop(int n) {
            return new Options(thresholds, n, threads);
        }
    }

    /**
     * A cgroup's memory in a census list (top users, orphans).
     *
     * @param path the cgroup's path in the hierarchy
     * @param usage bytes charged (0 when unknown)
     * @param kmemUsage kernel memory bytes charged (0 when unknown)
     * @param tasks tasks in the cgroup (0 when unknown)
     * @param owner the pod/container the path belongs to, or {@code null}
     */
    public record CgroupUsage(String path, long usage, long kmemUsage, long tasks, CgroupOwner owner) {
        static CgroupUsage of(MemoryStats s) {
            return new CgroupUsage(
                    s.path(),
                    s.usage().orElse(0),
                    s.kmemUsage().orElse(0),
                    s.tasks().orElse(0),
                    CgroupOwner.parse(s.path()).orElse(null));
        }
    }

    /**
     * Counts only (live, dying, headroom, risk): no cgroup file is read, so this is the cheap check.
     *
     * @param fs the host's cgroups
     * @param thresholds risk thresholds
     * @return the census with empty {@link #top()} and {@link #cgroups()}
     * @throws CgroupException when no memory controller is mounted
     */
    public static MemoryCensus counts(CgroupFs fs, Thresholds thresholds) {
        return take(fs, new Options(thresholds, 0, 1), false);
    }

    /** {@link #counts(CgroupFs, Thresholds)} with the default thresholds. */
    public static MemoryCensus counts(CgroupFs fs) {
        return counts(fs, Thresholds.DEFAULT);
    }

    /**
     * Counts plus every cgroup's memory files, the top kmem users and per-cgroup problems.
     *
     * @param fs the host's cgroups
     * @param options thresholds, top N and reader threads
     * @return the census
     * @throws CgroupException when no memory controller is mounted
     */
    public static MemoryCensus full(CgroupFs fs, Options options) {
        return take(fs, options, true);
    }

    /** {@link #full(CgroupFs, Options)} with the default options. */
    public static MemoryCensus full(CgroupFs fs) {
        return full(fs, Options.DEFAULT);
    }

    private static MemoryCensus take(CgroupFs fs, Options options, boolean full) {
        var root = fs.memoryRoot();
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            throw new CgroupException(root, null, "the memory hierarchy's mount point is not a directory", null);
        }
        if (fs.memoryMountIsSubtree()) {
            problems.add(
                    "the memory mount shows a subtree only (cgroup namespace or bind mount): dying is an upper bound");
        }
        KernelVersion kernel = fs.kernel();
        boolean v2 = fs.memoryIsV2();
        List<HierarchyWalk.Entry> dirs;
        long live;
        long dying;
        OptionalLong procCount = OptionalLong.empty();
        if (v2) {
            dirs = full ? HierarchyWalk.walk(root, problems) : List.of();
            long[] counts = v2Counts(fs, problems);
            live = full ? dirs.size() : counts[0];
            dying = counts[1];
        } else {
            // num_cgroups and the walk are not atomic: retry until /proc/cgroups is the same before and after.
            List<HierarchyWalk.Entry> walked = List.of();
            OptionalLong before = OptionalLong.empty();
            OptionalLong after = OptionalLong.empty();
            String countFailure = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                try {
                    before = fs.procCgroupsMemoryCount();
                } catch (CgroupException e) {
                    // Unreadable or garbage is not "no count": it is said, and the walk still counts the live ones.
                    countFailure = e.getMessage();
                    walked = HierarchyWalk.walk(root, problems);
                    break;
                }
                walked = HierarchyWalk.walk(root, problems);
                try {
                    after = fs.procCgroupsMemoryCount();
                } catch (CgroupException e) {
                    countFailure = e.getMessage();
                    before = OptionalLong.empty();
                    break;
                }
                if (before.equals(after)) {
                    break;
                }
            }
            if (!before.equals(after)) {
                problems.add("cgroups were created or removed throughout the census: live/dying are approximate");
            }
            dirs = walked;
            live = walked.size();
            procCount = after;
            if (after.isPresent()) {
                dying = Math.max(0, after.getAsLong() - live);
            } else {
                dying = 0;
                problems.add(
                        countFailure != null
                                ? countFailure + ": dying count unknown"
                                : "no memory row in " + fs.proc().proc().resolve("cgroups") + ": dying count unknown");
            }
        }
        IdAccounting accounting = IdAccounting.of(kernel);
        long inUse = accounting == IdAccounting.DYING_HOLD_IDS ? live + dying : live;
        long headroom = Math.max(0, MemcgFiles.MEM_CGROUP_ID_MAX - inUse);

        List<MemoryStats> stats = full ? readAll(dirs, v2, options.threads(), problems) : List.of();
        List<CgroupUsage> top = full ? topKmem(dirs, stats, options.top()) : List.of();

        List<String> reasons = new ArrayList<>();
        Risk risk = assess(options.thresholds(), accounting, headroom, dying, reasons);
        return new MemoryCensus(
                fs.layout(),
                v2,
                kernel,
                live,
                dying,
                procCount,
                accounting,
                inUse,
                headroom,
                risk,
                reasons,
                top,
                stats,
                problems);
    }

    // {live, dying} memcgs of a v2 hierarchy from the root's cgroup.stat.
    private static long[] v2Counts(CgroupFs fs, List<String> problems) {
        var root = fs.memoryRoot();
        Map<String, Long> stat;
        try {
            stat = KernelFiles.readKeyed(root, MemcgFiles.CGROUP_STAT);
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
            stat = null;
        }
        if (stat == null) {
            problems.add("no readable " + root.resolve(MemcgFiles.CGROUP_STAT) + ": counts unknown");
            return new long[] {1, 0};
        }
        // 6.13+ counts memory csses exactly (the root included); older kernels count cgroups, an upper bound.
        Long liveMemcg = stat.get("nr_subsys_memory");
        Long dyingMemcg = stat.get(MemcgFiles.NR_DYING_SUBSYS_MEMORY);
        long live = liveMemcg != null ? liveMemcg : stat.getOrDefault(MemcgFiles.NR_DESCENDANTS, 0L) + 1;
        long dying = dyingMemcg != null ? dyingMemcg : stat.getOrDefault(MemcgFiles.NR_DYING_DESCENDANTS, 0L);
        return new long[] {live, dying};
    }

    private static Risk assess(Thresholds t, IdAccounting accounting, long headroom, long dying, List<String> reasons) {
        Risk risk = Risk.OK;
        if (headroom < t.criticalHeadroom()) {
            risk = Risk.CRITICAL;
            reasons.add("only " + headroom + " memcg IDs left of " + MemcgFiles.MEM_CGROUP_ID_MAX + " (critical below "
                    + t.criticalHeadroom() + ")");
        } else if (headroom < t.warnHeadroom()) {
            risk = Risk.WARN;
            reasons.add(headroom + " memcg IDs left of " + MemcgFiles.MEM_CGROUP_ID_MAX + " (warn below "
                    + t.warnHeadroom() + ")");
        }
        String why = accounting == IdAccounting.DYING_HOLD_IDS
                ? "they hold memcg IDs on this kernel"
                : "they pin memory, though IDs are recycled on this kernel";
        if (dying >= t.criticalDying()) {
            risk = Risk.CRITICAL;
            reasons.add(dying + " dying memory cgroups (critical from " + t.criticalDying() + "): " + why);
        } else if (dying >= t.warnDying()) {
            risk = risk == Risk.CRITICAL ? risk : Risk.WARN;
            reasons.add(dying + " dying memory cgroups (warn from " + t.warnDying() + "): " + why);
        }
        return risk;
    }

    private static List<MemoryStats> readAll(
            List<HierarchyWalk.Entry> dirs, boolean v2, int threads, List<String> problems) {
        MemoryStats[] out = new MemoryStats[dirs.size()];
        String[] errors = new String[dirs.size()];
        int n = Math.min(threads, Math.max(1, dirs.size() / 256));
        Runnable[] workers = new Runnable[n];
        AtomicInteger next = new AtomicInteger();
        final int chunk = 64;
        for (int w = 0; w < n; w++) {
            workers[w] = () -> {
                for (int start; (start = next.getAndAdd(chunk)) < out.length; ) {
                    for (int i = start; i < Math.min(start + chunk, out.length); i++) {
                        out[i] = null;
                        errors[i] = null;
                        try {
                            HierarchyWalk.Entry e = dirs.get(i);
                            out[i] = new MemoryCgroup(e.dir(), e.path(), v2)
                                    .read()
                                    .orElse(null);
                        } catch (CgroupException e) {
                            errors[i] = e.getMessage();
                        }
                    }
                }
            };
        }
        if (n == 1) {
            workers[0].run();
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(n - 1, r -> {
                Thread t = new Thread(r, "hostkit-cgroups-census");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int w = 1; w < n; w++) {
                    futures.add(pool.submit(workers[w]));
                }
                workers[0].run();
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the memory hierarchy", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("census reader failed: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
                try {
                    pool.awaitTermination(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        List<MemoryStats> stats = new ArrayList<>(out.length);
        for (int i = 0; i < out.length; i++) {
            if (out[i] != null) {
                stats.add(out[i]);
            } else if (errors[i] != null) {
                problems.add(errors[i]);
            }
        }
        return stats;
    }

    private static List<CgroupUsage> topKmem(List<HierarchyWalk.Entry> dirs, List<MemoryStats> stats, int n) {
        if (n == 0) {
            return List.of();
        }
        java.util.Set<String> leaves = new java.util.HashSet<>();
        for (HierarchyWalk.Entry e : dirs) {
            if (e.leaf() && !e.path().equals("/")) {
                leaves.add(e.path());
            }
        }
        return stats.stream()
                .filter(s -> leaves.contains(s.path()) && s.kmemUsage().orElse(0) > 0)
                .sorted(Comparator.comparingLong(
                                (MemoryStats s) -> s.kmemUsage().orElse(0))
                        .reversed())
                .limit(n)
                .map(CgroupUsage::of)
                .toList();
    }

    /** The stats of the cgroup at {@code path}, when the full census read it. */
    public java.util.Optional<MemoryStats> cgroup(String path) {
        return cgroups.stream().filter(s -> s.path().equals(path)).findFirst();
    }
}
