package dev.hostkit.cgroups.internal;

/**
 * The memory controller's file names and limits, named as the kernel names them (mm/memcontrol.c,
 * Documentation/admin-guide/cgroup-v1/memory.rst and cgroup-v2.rst). The one place that knows them.
 */
public final class MemcgFiles {
    private MemcgFiles() {}

    /** {@code MEM_CGROUP_ID_MAX}: memcg ids are an unsigned short, so at most 65535 memory cgroups exist at once. */
    public static final int MEM_CGROUP_ID_MAX = 65535;

    // cgroup v1, memory controller
    public static final String USAGE = "memory.usage_in_bytes";
    public static final String MAX_USAGE = "memory.max_usage_in_bytes";
    public static final String LIMIT = "memory.limit_in_bytes";
    public static final String SOFT_LIMIT = "memory.soft_limit_in_bytes";
    public static final String FAILCNT = "memory.failcnt";
    public static final String MEMSW_USAGE = "memory.memsw.usage_in_bytes";
    public static final String MEMSW_MAX_USAGE = "memory.memsw.max_usage_in_bytes";
    public static final String MEMSW_LIMIT = "memory.memsw.limit_in_bytes";
    public static final String MEMSW_FAILCNT = "memory.memsw.failcnt";
    public static final String KMEM_USAGE = "memory.kmem.usage_in_bytes";
    public static final String KMEM_MAX_USAGE = "memory.kmem.max_usage_in_bytes";
    public static final String KMEM_LIMIT = "memory.kmem.limit_in_bytes";
    public static final String KMEM_FAILCNT = "memory.kmem.failcnt";
    public static final String KMEM_SLABINFO = "memory.kmem.slabinfo";
    public static final String KMEM_TCP_USAGE = "memory.kmem.tcp.usage_in_bytes";
    public static final String KMEM_TCP_MAX_USAGE = "memory.kmem.tcp.max_usage_in_bytes";
    public static final String KMEM_TCP_LIMIT = "memory.kmem.tcp.limit_in_bytes";
    public static final String KMEM_TCP_FAILCNT = "memory.kmem.tcp.failcnt";
    public static final String STAT = "memory.stat";
    public static final String OOM_CONTROL = "memory.oom_control";
    public static final String USE_HIERARCHY = "memory.use_hierarchy";
    public static final String TASKS = "tasks";
    /** Write-only: writing 0 reclaims everything charged to a cgroup without tasks (v1; EINVAL on the root). */
    public static final String FORCE_EMPTY = "memory.force_empty";

    // cgroup v2
    public static final String CURRENT = "memory.current";
    public static final String MAX = "memory.max";
    public static final String HIGH = "memory.high";
    public static final String EVENTS = "memory.events";
    public static final String CGROUP_PROCS = "cgroup.procs";
    public static final String CGROUP_STAT = "cgroup.stat";
    /** Write-only (5.19+): writing a byte count reclaims that much from the cgroup's subtree; EAGAIN when it got less. */
    public static final String MEMORY_RECLAIM = "memory.reclaim";

    public static final String CGROUP_CONTROLLERS = "cgroup.controllers";
    /** Key of {@code cgroup.stat} counting removed but not yet freed descendants. */
    public static final String NR_DYING_DESCENDANTS = "nr_dying_descendants";
    /** Key of {@code cgroup.stat} (6.13+) counting dying descendant memory csses exactly. */
    public static final String NR_DYING_SUBSYS_MEMORY = "nr_dying_subsys_memory";
    /** Key of {@code cgroup.stat} counting live descendants. */
    public static final String NR_DESCENDANTS = "nr_descendants";

    // /proc
    /** The controller table with {@code num_cgroups} per v1 hierarchy (live plus dying cgroups). */
    public static final String PROC_CGROUPS = "cgroups";
    /** Writing 1 drops clean page cache, 2 reclaimable slab, 3 both (Documentation/admin-guide/sysctl/vm.rst). */
    public static final String PROC_DROP_CACHES = "sys/vm/drop_caches";
    /** Where the kernel says how much memory is cached ({@code Cached}, {@code SReclaimable}, in kB). */
    public static final String PROC_MEMINFO = "meminfo";
    /** Boot option that turns kmem accounting off for all memory cgroups (4.6+). */
    public static final String NOKMEM = "cgroup.memory=nokmem";

    /**
     * The v1 "unlimited" value as the kernel prints it: {@code PAGE_COUNTER_MAX * PAGE_SIZE} rounds
     * {@code LONG_MAX} down to a page (9223372036854771712 with 4 KiB pages); 3.10 printed {@code LONG_MAX}.
     * Anything at or above this threshold means no limit.
     */
    public static final long V1_UNLIMITED_THRESHOLD = Long.MAX_VALUE - (1L << 21);

    /** True when a file's name marks it as one of the controller's own files, never a child cgroup. */
    public static boolean isControlFile(String name) {
        return name.startsWith("memory.")
                || name.startsWith("cgroup.")
                || name.equals(TASKS)
                || name.equals("notify_on_release")
                || name.equals("release_agent");
    }
}
