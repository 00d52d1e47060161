// Over 400 lines: the public facade (builder, start/close, metrics, snapshots, readState, each documented) and the
// pass loop that ties the namespace sources, the watcher and the Reconciler together; the per-namespace work lives in
// Reconciler and Repairer. The next cut is pass()'s choice of what to open, into a class of its own.
package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.guard.Guarded.Tracked;
import dev.hostkit.guard.Observation.NamespaceStatus;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkNames;
import dev.hostkit.netlink.NetlinkEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps containers' macvlan interfaces alive across the loss of their host parent: snapshots every macvlan whose parent
 * is in the host namespace, persists the snapshots, and when an interface is missing while its parent exists, recreates
 * it inside the same namespace with the same MAC, MTU, mode, addresses and routes.
 * Never writes into a namespace whose identity changed, never touches a same-named interface it did not make, and never
 * leaves a temporary-named link behind. Forgets a snapshot only on positive evidence (its namespace proven gone or
 * replaced, or the interface deleted while its parent kept its index); never acts in its own (the host's) network
 * namespace. {@link #close()} stops every thread and closes every socket.
 * <p>This class is the lifecycle and the loop; the parts are {@link Reconciler} (one namespace, by
 * {@link Verdicts#judge}), {@link Repairer}, {@link VlanParentKeeper}, {@link HostLinkFastPath} and {@link StateWriter}.
 * (About 730 lines, one job, the guardian's lifecycle and loop: the public {@link Builder}, nested because it is API,
 * is 110 of them; the status it publishes ({@code statusNow}) is taken here because it reads every namespace under its
 * lock; the periodic pass's choice of what to open ({@code pass}) is the next part to move out, beside
 * {@link Reconciler}.)
 *
 * <pre>{@code
 * try (MacvlanGuardian g = MacvlanGuardian.builder().stateDir(Path.of("/var/lib/hostkit/guard"))
 *         .parents(Set.of("eth0.3")).listener(e -> log.info(e.toJsonLine())).build()) {
 *     g.start();
 *     ...
 * }
 * }</pre>
 */
public final class MacvlanGuardian implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);
    /** Quiet time after a namespace's last event before it is re-snapshotted: one look after a burst. */
    private static final Duration WORKER_KEEP_ALIVE = Duration.ofSeconds(1);

    private static final Duration WATCH_DEBOUNCE = Duration.ofMillis(100);
    /** The longest the status waits for one namespace's lock before it is taken again later. */
    private static final Duration STATUS_LOCK_WAIT = Duration.ofMillis(20);

    private final Path stateDir;
    private final Duration resync;
    private final NamespaceSource source;
    private final SnapshotStore store;
    private final GuardContext ctx;
    private final Reconciler reconciler;
    private final Announcer announcer;
    private final VlanParentKeeper vlans;
    private final HostLinkFastPath fastPath;
    private final List<String> stateProblems = new ArrayList<>();
    private final Object lifecycle = new Object();
    private final int warmUpRounds;
    private Thread loop;
    private HostLinkFeed hostEvents;
    // The named-namespace directories' changes, drained by each look (null before start, or when the kernel
    // refused an inotify instance: then every look reads everything). Guarded by lookLock.
    private DirectoryChanges dirChanges;
    private final Object lookLock = new Object();
    private Seen lastSeen;
    private final Object wake = new Object();
    private boolean wakeRequested;

    private MacvlanGuardian(Builder b) throws IOException {
        this.stateDir = Objects.requireNonNull(b.stateDir, "stateDir is required");
        this.resync = b.resync;
        this.source = b.source;
        this.warmUpRounds = b.warmUpRounds;
        this.store = new SnapshotStore(stateDir);
        try {
            // A status left by a guardian that died is not this one's word: none is published before the first pass.
            Files.deleteIfExists(store.dir().resolve(GuardianStatus.FILE));
        } catch (IOException e) {
            store.close();
            throw new IOException("cannot remove the previous guardian's status in " + store.dir() + ": " + e, e);
        }
        GuardCounters counters = new GuardCounters();
        // Threads on demand, gone after a second idle: an idle daemon holds none between passes.
        ThreadPoolExecutor workers = new ThreadPoolExecutor(
                b.threads,
                b.threads,
                WORKER_KEEP_ALIVE.toMillis(),
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                named("hostkit-guard-repair-"));
        workers.allowCoreThreadTimeOut(true);
        StateWriter writer = new StateWriter(store, counters);
        GuardNet.Host h = null;
        try {
            h = GuardNet.host();
            this.ctx = new GuardContext(
                    Set.copyOf(b.parents),
                    h,
                    GuardNet.tagFor(stateDir),
                    counters,
                    writer,
                    workers,
                    b.listener,
                    this::requestPass);
        } catch (RuntimeException e) {
            workers.shutdownNow();
            writer.close();
            if (h != null) {
                h.close();
            }
            store.close(); // releases the state directory's lock
            throw e;
        }
        this.announcer = new Announcer(b.announce);
        this.reconciler = new Reconciler(ctx, new Repairer(ctx, announcer));
        this.vlans = new VlanParentKeeper(ctx, b.recreateVlanParents);
        this.fastPath = new HostLinkFastPath(ctx, reconciler, vlans);
        try {
            loadState();
        } catch (RuntimeException e) {
            close(); // nothing half-made: threads, sockets and the directory's lock go with the failed start
            throw e;
        }
    }

    /** A builder with the defaults: every namespace of the host, any parent, resync every 3 seconds. */
    public static Builder builder() {
        return new Builder();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private void loadState() {
        SnapshotStore.Loaded loaded = store.load();
        for (StateFileProblem p : loaded.problems()) {
            log.warn("ignoring guardian state file {}", p);
            stateProblems.add(p.toString());
            ctx.counters.stateFileErrors.incrementAndGet();
        }
        loaded.states().forEach(this::adopt);
    }

    /**
     * Guards a namespace's snapshots as read from a state file. Package-private for tests that hand the guardian a
     * snapshot the loader would refuse (the repair path must refuse it on its own).
     */
    void adopt(NamespaceState st) {
        Guarded g = new Guarded(st.namespace());
        g.onDisk = true;
        for (InterfaceSnapshot s : st.interfaces()) {
            g.ifaces.put(s.name(), new Tracked(s));
        }
        ctx.guarded.put(st.namespace().id(), g);
    }

    /**
     * Starts guarding in the background: subscribes to host link changes (a parent's return triggers its repairs at
     * once) and runs a full pass now and every resync period. Idempotent.
     */
    public void start() {
        synchronized (lifecycle) {
            if (ctx.closed) {
                throw new IllegalStateException("guardian is closed");
            }
            if (loop != null) {
                return;
            }
            warmUp();
            hostEvents = new HostLinkFeed(ctx.host, this::onHostLink, this::onHostLinksMissed);
            // Known indexes first: a parent going down announces itself with RTM_NEWLINK before its RTM_DELLINK.
            fastPath.knownNow(ctx.host.links());
            ctx.watcher = new NamespaceWatcher(this::onNamespaceChanged, WATCH_DEBOUNCE);
            synchronized (lookLock) {
                dirChanges = directoryChanges();
            }
            loop = new Thread(this::runLoop, "hostkit-guard-loop");
            loop.setDaemon(true);
            loop.start();
        }
    }

    private static DirectoryChanges directoryChanges() {
        try {
            return new DirectoryChanges();
        } catch (com.sun.jna.LastErrorException e) {
            log.warn(
                    "guardian: no inotify instance ({}): every pass stats every namespace file",
                    LibC.failure("inotify_init1", "the named-namespace directories", e)
                            .getMessage());
            return null;
        }
    }

    // What a look found, and what a pass derives from it: kept while the sources answer the same look.
    private record Seen(NamespaceSource.Look look, Map<NsId, NamespaceSource.Candidate> found, Set<String> errorKeys) {}

    // The namespaces now. A periodic look reads only what may have changed (a thorough one reads everything again).
    private Seen look(boolean thorough) {
        synchronized (lookLock) {
            if (dirChanges != null) {
                dirChanges.drain();
            }
            NamespaceSource.Look look = NamespaceScan.lookAt(source, dirChanges, thorough);
            // The same Look means the same processes (a reused pid is a new /proc/PID inode, so a new Look): the
            // error keys' start times are the same too, and nothing is derived again.
            if (lastSeen != null && lastSeen.look == look) {
                return lastSeen;
            }
            Map<NsId, NamespaceSource.Candidate> found = new LinkedHashMap<>();
            for (NamespaceSource.Candidate c : look.found()) {
                if (!ctx.isHost(c.id(), 0)) {
                    found.putIfAbsent(c.id(), c);
                }
            }
            lastSeen = new Seen(look, Collections.unmodifiableMap(found), GoneEvidence.keys(look));
            return lastSeen;
        }
    }

    // Part of the start-up: the first real repair then runs loaded, compiled code. A failed warm-up costs only speed.
    private void warmUp() {
        if (warmUpRounds == 0) {
            return;
        }
        try {
            Duration took = Warmup.run(warmUpRounds, announcer.plan(), stateDir);
            log.info("guardian: warmed up the repair path with {} repairs in {} ms", warmUpRounds, took.toMillis());
        } catch (RuntimeException e) {
            log.warn("guardian: warm-up of the repair path failed (first repairs may be slower): {}", e.toString());
        }
    }

    private void runLoop() {
        boolean asked = true; // the first pass looks at everything
        boolean publishing = false;
        while (!ctx.closed) {
            try {
                pass(asked);
                if (!publishing) {
                    publishing = true; // after a whole pass: the status then says what the host shows
                    ctx.writer.publishStatus(this::statusNow);
                }
            } catch (RuntimeException e) {
                if (!ctx.closed) {
                    log.warn("guardian pass failed; next try in {}", resync, e);
                }
            }
            synchronized (wake) {
                long deadline = System.nanoTime() + resync.toNanos();
                while (!wakeRequested && !ctx.closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(wake, left);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                asked = wakeRequested;
                wakeRequested = false;
            }
        }
    }

    private void requestPass() {
        synchronized (wake) {
            wakeRequested = true;
            wake.notifyAll();
        }
    }

    /**
     * One full level-triggered pass, synchronously: discovers namespaces, forgets snapshots of namespaces proven
     * gone or replaced (a look that failed proves nothing: those are kept), snapshots new and changed interfaces,
     * repairs missing ones whose parent exists, and persists the result. Namespaces are handled concurrently; a
     * failure in one does not stop the others.
     *
     * @return the events of this pass, in the order they happened per namespace
     */
    public List<GuardEvent> reconcileOnce() {
        return pass(true);
    }

    /**
     * One pass. A thorough one (asked for: {@link #reconcileOnce()}, events lost, a repair that needs the look)
     * opens every namespace found; a periodic one only those that may have changed: namespaces first found, judged
     * empty long enough ago or before the host's links last changed ({@link NamespaceCensus}), and guarded ones not
     * settled ({@link Reconciler#settled}). Identities come from stat alone; nothing known is opened again.
     */
    private List<GuardEvent> pass(boolean thorough) {
        checkOpen();
        List<GuardEvent> events = Collections.synchronizedList(new ArrayList<>());
        Seen seen = look(thorough);
        NamespaceSource.Look look = seen.look();
        look.errors().forEach(e -> ctx.counters.countLookError(e.reason()));
        Set<String> errorKeys = seen.errorKeys();
        Map<NsId, NamespaceSource.Candidate> found = seen.found();
        ctx.census.retainOnly(found.keySet());
        for (Guarded g : ctx.guarded.values()) {
            NamespaceRef ref = g.ref;
            if (ctx.isHost(ref.id(), ref.cookie())) {
                g.withLock(() -> ctx.refuseHost(g, events));
            } else if (!found.containsKey(ref.id())) {
                g.withLock(() -> {
                    if (GoneEvidence.notFound(g, look, errorKeys) == NamespaceStatus.GONE) {
                        reconciler.judgeNamespace(
                                g, NamespaceStatus.GONE, "namespace is gone (no process or name refers to it)", events);
                    } else {
                        NamespaceSource.LookError first = look.errors().get(0);
                        ctx.counters.sayOnce(
                                ref,
                                first.reason(),
                                "not found while " + look.errors().size() + " namespace file(s) could not "
                                        + "be read (" + first.path() + ": " + first.detail() + ")");
                    }
                });
            } else {
                g.withLock(() -> GoneEvidence.found(g, errorKeys));
            }
        }
        long now = System.nanoTime();
        List<NamespaceSource.Candidate> candidates = new ArrayList<>();
        for (NamespaceSource.Candidate c : found.values()) {
            Guarded g = ctx.guarded.get(c.id());
            if (thorough || (g == null ? ctx.census.due(c.id(), now) : !reconciler.settled(g, c, now))) {
                candidates.add(c);
            }
        }
        if (candidates.isEmpty()) {
            return List.copyOf(events); // nothing may have changed: the host's links are not even read
        }
        GuardNet.HostLinks hostLinks;
        try {
            hostLinks = vlans.restore(ctx.host.links(), events);
        } catch (RuntimeException e) {
            ctx.counters.countLookError("host_links");
            throw e; // nothing judged, nothing forgotten: the loop logs it and tries again
        }
        List<Future<?>> tasks = new ArrayList<>();
        // The last namespace on this thread: a pass over one namespace wakes no other thread.
        NamespaceSource.Candidate mine = candidates.remove(candidates.size() - 1);
        for (NamespaceSource.Candidate c : candidates) {
            tasks.add(ctx.workers.submit(() -> reconciler.sync(c, hostLinks, events)));
        }
        try {
            reconciler.sync(mine, hostLinks, events);
        } catch (RuntimeException e) {
            log.warn("guardian: namespace pass failed", e);
        }
        for (Future<?> f : tasks) {
            try {
                f.get();
            } catch (ExecutionException e) {
                log.warn("guardian: namespace pass failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return List.copyOf(events);
    }

    // Something changed inside a guarded namespace: look at it again (level-triggered, like a pass over one namespace),
    // unless its burst of events only echoes its snapshots (a repair's own).
    private void onNamespaceChanged(NsId id, List<NetlinkEvent> burst) {
        Guarded g = ctx.guarded.get(id);
        if (g == null || ctx.closed) {
            return;
        }
        g.unsettle();
        ctx.submit("a look at " + g.ref + " after its events", () -> {
            if (reconciler.onlyEchoes(g, burst)) {
                return;
            }
            NamespaceRef ref = g.ref;
            if (!ref.id().equals(NamespaceSource.statId(ref.path()))) {
                ctx.requestPass(); // its path leads elsewhere now: only a full look tells gone from moved
                return;
            }
            reconciler.sync(new NamespaceSource.Candidate(ref.id(), ref.pid(), ref.path()), ctx.host.links(), null);
        });
    }

    // A host link changed: namespaces judged empty may hold a new child of it now; guarded ones with a child on it
    // are looked at by the next pass.
    private void onHostLink(Link link, boolean removed) {
        ctx.census.hostLinksChanged();
        for (Guarded g : ctx.guarded.values()) {
            if (g.any(s -> s.parent().name().equals(link.name()) || s.parentIndex() == link.index())) {
                g.unsettle();
            }
        }
        fastPath.onHostLink(link, removed);
    }

    // Host link events were lost (or the subscription renewed): everything may have changed.
    private void onHostLinksMissed() {
        ctx.census.hostLinksChanged();
        ctx.guarded.values().forEach(Guarded::unsettle);
        requestPass();
    }

    /** The counters now. */
    public GuardMetrics metrics() {
        int total = 0;
        int missing = 0;
        for (Guarded g : ctx.guarded.values()) {
            g.lock.lock();
            try {
                total += g.ifaces.size();
                for (Tracked t : g.ifaces.values()) {
                    missing += t.missing ? 1 : 0;
                }
            } finally {
                g.lock.unlock();
            }
        }
        GuardCounters c = ctx.counters;
        return new GuardMetrics(
                c.repairsOk.get(),
                c.repairsFailed.get(),
                c.conflicts.get(),
                c.dropped.get(),
                c.lost.get(),
                total,
                missing,
                c.lastRepairMillis,
                c.stateFileErrors.get(),
                c.lookErrors());
    }

    /**
     * What {@link GuardianStatus} says now, taken on the state writer's thread; null when a namespace's lock is held
     * longer than {@link #STATUS_LOCK_WAIT} (a repair holding it may be waiting for that thread's flush).
     */
    private GuardianStatus statusNow() {
        int total = 0;
        List<GuardianStatus.Missing> missing = new ArrayList<>();
        for (Guarded g : ctx.guarded.values()) {
            try {
                if (!g.lock.tryLock(STATUS_LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            try {
                total += g.ifaces.size();
                for (Tracked t : g.ifaces.values()) {
                    if (t.missing) {
                        missing.add(new GuardianStatus.Missing(
                                t.snap.name(),
                                g.ref.inode(),
                                g.ref.pid(),
                                t.snap.parent().name(),
                                t.waitingForParent));
                    }
                }
            } finally {
                g.lock.unlock();
            }
        }
        missing.sort(Comparator.comparingLong(GuardianStatus.Missing::namespaceInode)
                .thenComparing(GuardianStatus.Missing::name));
        return new GuardianStatus(ProcessHandle.current().pid(), total, missing);
    }

    /** The current snapshots, one per guarded interface. */
    public List<InterfaceSnapshot> snapshots() {
        List<InterfaceSnapshot> out = new ArrayList<>();
        for (Guarded g : ctx.guarded.values()) {
            g.withLock(() -> g.ifaces.values().forEach(t -> out.add(t.snap)));
        }
        return out;
    }

    /** State files that could not be used when the guardian started (file and reason), for the operator. */
    public List<String> stateProblems() {
        return List.copyOf(stateProblems);
    }

    /**
     * Reads a guardian's state directory without changing it: no directory is created, no mode is set and no
     * leftover of an interrupted write is removed (it may be a running guardian's write in flight). For health
     * checks beside a live guardian; unusable files are reported, not logged.
     *
     * @param stateDir the directory a guardian was started with
     * @return the snapshots and the files that could not be used
     * @throws IOException when the directory is missing, not a directory, a symbolic link, or cannot be listed
     */
    public static GuardianState readState(Path stateDir) throws IOException {
        SnapshotStore.Loaded loaded = SnapshotStore.reader(stateDir).load();
        for (StateFileProblem p : loaded.problems()) {
            if (p.file().equals(stateDir.toAbsolutePath())) {
                throw new IOException(p.toString()); // the directory itself could not be listed
            }
        }
        List<InterfaceSnapshot> snapshots = new ArrayList<>();
        for (NamespaceState st : loaded.states()) {
            snapshots.addAll(st.interfaces());
        }
        snapshots.sort(
                Comparator.comparingLong((InterfaceSnapshot s) -> s.namespace().inode())
                        .thenComparing(InterfaceSnapshot::name));
        List<StateFileProblem> problems = new ArrayList<>(loaded.problems());
        problems.sort(Comparator.comparing(StateFileProblem::file));
        return new GuardianState(stateDir.toAbsolutePath(), snapshots, problems);
    }

    /** The state directory. */
    public Path stateDir() {
        return stateDir;
    }

    /** The host link feed, once started (for tests that break its subscription). */
    HostLinkFeed hostLinkFeed() {
        return hostEvents;
    }

    private void checkOpen() {
        if (ctx.closed) {
            throw new IllegalStateException("guardian is closed");
        }
    }

    /**
     * Stops the loop and the host subscription, waits for running repairs (each finishes or rolls back), flushes the
     * state files and closes every socket. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (ctx.closed) {
                return;
            }
            ctx.closed = true;
        }
        requestPass();
        if (hostEvents != null) {
            hostEvents.close();
        }
        if (loop != null) {
            loop.interrupt();
            joinQuietly(loop);
        }
        if (ctx.watcher != null) {
            ctx.watcher.close();
        }
        ctx.workers.shutdown();
        awaitQuietly(ctx.workers);
        for (Guarded g : ctx.guarded.values()) {
            g.withLock(g::closeSession);
        }
        synchronized (lookLock) {
            if (dirChanges != null) {
                dirChanges.close();
                dirChanges = null;
            }
        }
        announcer.close(); // after the repairs: none can start rounds any more
        ctx.writer.close();
        ctx.host.close();
        store.close();
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(ExecutorService s) {
        try {
            if (!s.awaitTermination(30, TimeUnit.SECONDS)) {
                s.shutdownNow();
            }
        } catch (InterruptedException e) {
            s.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Configures a {@link MacvlanGuardian}; {@link #stateDir} is required. */
    public static final class Builder {
        private Path stateDir;
        private Collection<String> parents = Set.of();
        private Duration resync = Duration.ofSeconds(3);
        private NamespaceSource source = NamespaceSource.hostDefault();
        private GuardListener listener;
        private int threads = Math.max(4, Math.min(16, Runtime.getRuntime().availableProcessors() * 2));
        private boolean recreateVlanParents;
        private Announcement announce = Announcement.DEFAULT;
        private int warmUpRounds;

        private Builder() {}

        /** Where snapshots are kept (created 0700 when missing). @param dir the directory @return this */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Guard only macvlans on these host parents; empty (the default) guards every host parent. @param names parent names @return this */
        public Builder parents(Collection<String> names) {
            names.forEach(LinkNames::check);
            this.parents = List.copyOf(names);
            return this;
        }

        /** How often the full pass runs (default 3 s). @param every the period, at least 100 ms @return this */
        public Builder resync(Duration every) {
            if (every.toMillis() < 100) {
                throw new IllegalArgumentException("resync period must be at least 100 ms, was " + every);
            }
            this.resync = every;
            return this;
        }

        /** Where namespaces are found (default: named namespaces and every process). @param s the source @return this */
        public Builder namespaces(NamespaceSource s) {
            this.source = Objects.requireNonNull(s, "source");
            return this;
        }

        /** Who hears the events (default: nobody; the counters still count). @param l the listener @return this */
        public Builder listener(GuardListener l) {
            this.listener = l;
            return this;
        }

        /**
         * Whether the guardian recreates a guarded VLAN parent ({@code eth0.3}) that is gone while its lower device
         * ({@code eth0}) is back (default off: creating host interfaces is the network configuration's job, and it
         * may do so itself; the guardian then only logs, once, that the parent is missing).
         *
         * @param on true to recreate
         * @return this
         */
        public Builder recreateVlanParents(boolean on) {
            this.recreateVlanParents = on;
            return this;
        }

        /**
         * How each repaired interface's addresses are announced: gratuitous ARPs (IPv4) and unsolicited neighbour
         * advertisements (IPv6) from inside its namespace, so switches and neighbours learn where it is at once
         * (default {@link Announcement#DEFAULT}: 3 rounds, 100 ms apart; {@link Announcement#OFF} sends none). The first
         * round goes right after the repair; the others do not hold it up.
         *
         * @param a count and spacing
         * @return this
         */
        public Builder announce(Announcement a) {
            this.announce = Objects.requireNonNull(a, "announcement");
            return this;
        }

        /**
         * Whether {@link MacvlanGuardian#start()} first warms the repair path: that many repairs of macvlans in a lab of
         * unnamed network namespaces of its own (nothing of the host's is touched; the lab is gone when
         * {@code start()} returns, also when the warm-up fails, which is logged and never stops the start), so that
         * the first real repair of a long-idle daemon runs loaded, compiled code. Default 0: off.
         *
         * @param repairs 0 (off) .. 1000
         * @return this
         */
        public Builder warmUp(int repairs) {
            if (repairs < 0 || repairs > 1000) {
                throw new IllegalArgumentException("warm-up repairs must be in 0..1000, was " + repairs);
            }
            this.warmUpRounds = repairs;
            return this;
        }

        /** How many namespaces are repaired at once (default 2 per CPU, 4..16). @param n 1..256 @return this */
        public Builder repairThreads(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("repair threads must be in 1..256, was " + n);
            }
            this.threads = n;
            return this;
        }

        /**
         * Builds the guardian: opens the host namespace's rtnetlink socket and loads the state directory (reporting,
         * not failing on, unusable files). Nothing runs until {@link MacvlanGuardian#start()} or
         * {@link MacvlanGuardian#reconcileOnce()}.
         *
         * @return the guardian; close it
         * @throws IOException when the state directory cannot be created or used
         */
        public MacvlanGuardian build() throws IOException {
            return new MacvlanGuardian(this);
        }
    }
}
