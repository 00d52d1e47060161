package dev.hostkit.guard;

import dev.hostkit.core.Errno;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.NetlinkException;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.internal.RtnlConstants;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.ReconcileStep.Action;
import dev.hostkit.guard.ReconcileStep.LiveLink;
import dev.hostkit.guard.ReconcileStep.NsStatus;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps containers' macvlan interfaces alive across the loss of their host parent: snapshots every macvlan whose parent
 * is in the host namespace, persists the snapshots, and when an interface is missing while its parent exists, recreates
 * it inside the same namespace with the same MAC, MTU, mode, addresses and routes.
 * Never writes into a namespace whose identity changed, never touches a same-named interface it did not make, and never
 * leaves a temporary-named link behind. {@link #close()} stops every thread and closes every socket.
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
    /** Address flags worth restoring; the rest describe the kernel's state of the address (tentative, deprecated, ...). */
    private static final int RESTORABLE_ADDRESS_FLAGS = AddressFlag.mask(AddressFlag.NODAD, AddressFlag.HOMEADDRESS,
            AddressFlag.MANAGETEMPADDR, AddressFlag.NOPREFIXROUTE, AddressFlag.MCAUTOJOIN);
    private static final int RTPROT_RA = 9;
    /** Quiet time after a namespace's last event before it is re-snapshotted: one look after a burst. */
    private static final Duration WATCH_DEBOUNCE = Duration.ofMillis(100);

    private final Path stateDir;
    private final Set<String> parents;
    private final Duration resync;
    private final boolean recreateVlanParents;
    // VLAN parents already reported as absent with their lower device present while recreation is off: said once.
    private final Set<String> vlanHintGiven = ConcurrentHashMap.newKeySet();
    private final NamespaceSource source;
    private final GuardListener listener;
    private final SnapshotStore store;
    private final GuardNet.Host host;
    private final NsId hostId;
    private final ExecutorService workers;
    private final ExecutorService writer;
    private final Map<NsId, Guarded> guarded = new ConcurrentHashMap<>();
    private final List<String> stateProblems = new ArrayList<>();
    private final Counters counters = new Counters();
    private final Object lifecycle = new Object();
    private Thread loop;
    private AutoCloseable hostEvents;
    private NamespaceWatcher watcher;
    private volatile boolean closed;
    private final Object wake = new Object();
    private boolean wakeRequested;

    /** One namespace under guard: its identity and interfaces; every change holds {@link #lock}. */
    private static final class Guarded {
        final ReentrantLock lock = new ReentrantLock();
        volatile NamespaceRef ref;
        final Map<String, Tracked> ifaces = new LinkedHashMap<>();

        Guarded(NamespaceRef ref) {
            this.ref = ref;
        }
    }

    /** One guarded interface: its snapshot and where it stands. */
    private static final class Tracked {
        InterfaceSnapshot snap;
        boolean missing;
        boolean conflict;
        boolean downSeen;

        Tracked(InterfaceSnapshot snap) {
            this.snap = snap;
        }
    }

    private static final class Counters {
        final AtomicLong repairsOk = new AtomicLong();
        final AtomicLong repairsFailed = new AtomicLong();
        final AtomicLong conflicts = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong stateFileErrors = new AtomicLong();
        volatile double lastRepairMillis;
    }

    private MacvlanGuardian(Builder b) throws IOException {
        this.stateDir = Objects.requireNonNull(b.stateDir, "stateDir is required");
        this.parents = Set.copyOf(b.parents);
        this.resync = b.resync;
        this.recreateVlanParents = b.recreateVlanParents;
        this.source = b.source;
        this.listener = b.listener;
        this.store = new SnapshotStore(stateDir);
        ThreadFactory wf = named("hostkit-guard-repair-");
        this.workers = Executors.newFixedThreadPool(b.threads, wf);
        this.writer = Executors.newSingleThreadExecutor(named("hostkit-guard-store-"));
        GuardNet.Host h = null;
        try {
            h = GuardNet.host();
            this.host = h;
            this.hostId = h.namespaceId();
        } catch (RuntimeException e) {
            workers.shutdownNow();
            writer.shutdownNow();
            if (h != null) {
                h.close();
            }
            store.close();
            throw e;
        }
        loadState();
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
            counters.stateFileErrors.incrementAndGet();
        }
        for (NamespaceState st : loaded.states()) {
            Guarded g = new Guarded(st.namespace());
            for (InterfaceSnapshot s : st.interfaces()) {
                g.ifaces.put(s.name(), new Tracked(s));
            }
            guarded.put(st.namespace().id(), g);
        }
    }

    /**
     * Starts guarding in the background: subscribes to host link changes (a parent's return triggers its repairs at
     * once) and runs a full pass now and every resync period. Idempotent.
     */
    public void start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("guardian is closed");
            }
            if (loop != null) {
                return;
            }
            hostEvents = host.subscribe(this::onHostLink, this::requestPass);
            // Known indexes first: a parent going down announces itself with RTM_NEWLINK before its RTM_DELLINK.
            GuardNet.HostLinks now = host.links();
            for (String p : now.names()) {
                parentIndexSeen.putIfAbsent(p, now.indexOf(p));
            }
            watcher = new NamespaceWatcher(this::onNamespaceChanged, WATCH_DEBOUNCE);
            loop = new Thread(this::runLoop, "hostkit-guard-loop");
            loop.setDaemon(true);
            loop.start();
        }
    }

    private void runLoop() {
        while (!closed) {
            try {
                reconcileOnce();
            } catch (RuntimeException e) {
                if (!closed) {
                    log.warn("guardian pass failed; next try in {}", resync, e);
                }
            }
            synchronized (wake) {
                long deadline = System.nanoTime() + resync.toNanos();
                while (!wakeRequested && !closed) {
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
     * One full level-triggered pass, synchronously: discovers namespaces, drops snapshots of namespaces that are gone or
     * replaced, snapshots new and changed interfaces, repairs missing ones whose parent exists, and persists the result.
     * Namespaces are handled concurrently; a failure in one does not stop the others.
     *
     * @return the events of this pass, in the order they happened per namespace
     */
    public List<GuardEvent> reconcileOnce() {
        checkOpen();
        List<GuardEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<NsId, NamespaceSource.Candidate> found = new LinkedHashMap<>();
        for (NamespaceSource.Candidate c : source.discover()) {
            if (!c.id().equals(hostId)) {
                found.putIfAbsent(c.id(), c);
            }
        }
        GuardNet.HostLinks hostLinks = restoreVlanParents(host.links(), events);
        for (Guarded g : guarded.values()) {
            if (!found.containsKey(g.ref.id())) {
                withLock(g, () -> drop(g, "namespace is gone (no process or name refers to it)", events));
            }
        }
        List<Future<?>> tasks = new ArrayList<>();
        for (NamespaceSource.Candidate c : found.values()) {
            tasks.add(workers.submit(() -> syncNamespace(c, hostLinks, events)));
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

    /** The counters now. */
    public GuardMetrics metrics() {
        int total = 0;
        int missing = 0;
        for (Guarded g : guarded.values()) {
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
        return new GuardMetrics(counters.repairsOk.get(), counters.repairsFailed.get(), counters.conflicts.get(),
                counters.dropped.get(), counters.lost.get(), total, missing, counters.lastRepairMillis, counters.stateFileErrors.get());
    }

    /** The current snapshots, one per guarded interface. */
    public List<InterfaceSnapshot> snapshots() {
        List<InterfaceSnapshot> out = new ArrayList<>();
        for (Guarded g : guarded.values()) {
            g.lock.lock();
            try {
                g.ifaces.values().forEach(t -> out.add(t.snap));
            } finally {
                g.lock.unlock();
            }
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
        snapshots.sort(java.util.Comparator.comparingLong((InterfaceSnapshot s) -> s.namespace().inode()).thenComparing(InterfaceSnapshot::name));
        List<StateFileProblem> problems = new ArrayList<>(loaded.problems());
        problems.sort(java.util.Comparator.comparing(StateFileProblem::file));
        return new GuardianState(stateDir.toAbsolutePath(), snapshots, problems);
    }

    /** The state directory. */
    public Path stateDir() {
        return stateDir;
    }

    // ---- VLAN parents ----------------------------------------------------------------------------------------------

    /**
     * Recreates guarded VLAN parents that are gone while their lower device is present (a driver reload deletes
     * {@code eth0.3} with {@code eth0}, and nothing may bring it back). Returns the host's links, dumped again when
     * something was made, so this pass repairs the VLAN's macvlans at once.
     */
    private GuardNet.HostLinks restoreVlanParents(GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        boolean made = false;
        for (HostParent.Vlan v : guardedVlanParents()) {
            Integer lower = hostLinks.indexOf(v.lower());
            if (hostLinks.indexOf(v.name()) != null || lower == null) {
                vlanHintGiven.remove(v.name());
                continue;
            }
            if (!recreateVlanParents) {
                if (vlanHintGiven.add(v.name())) {
                    log.warn("guardian: VLAN parent {} (VLAN {} on {}) is gone while {} is back, and nothing recreated it; its "
                            + "macvlans wait for it (recreateVlanParents / --recreate-vlan-parents lets the guardian make it)",
                            v.name(), v.id(), v.lower(), v.lower());
                }
                continue;
            }
            long t0 = System.nanoTime();
            try {
                host.createVlan(v, lower);
                made = true;
                emitParent(events, Type.PARENT_RECREATED, v, (System.nanoTime() - t0) / 1e6,
                        "VLAN " + v.id() + " (" + v.protocol() + ") recreated on " + v.lower());
            } catch (NetlinkException e) {
                if (e.errno() == Errno.EEXIST) {
                    made = true; // someone else (the network configuration) made it meanwhile
                } else {
                    emitParent(events, Type.PARENT_RECREATE_FAILED, v, (System.nanoTime() - t0) / 1e6, e.getMessage());
                }
            }
        }
        return made ? host.links() : hostLinks;
    }

    private Set<HostParent.Vlan> guardedVlanParents() {
        Set<HostParent.Vlan> out = new java.util.HashSet<>();
        for (Guarded g : guarded.values()) {
            g.lock.lock();
            try {
                for (Tracked t : g.ifaces.values()) {
                    if (t.snap.parent() instanceof HostParent.Vlan v) {
                        out.add(v);
                    }
                }
            } finally {
                g.lock.unlock();
            }
        }
        return out;
    }

    private void emitParent(List<GuardEvent> events, Type type, HostParent.Vlan v, double millis, String reason) {
        if (type == Type.PARENT_RECREATE_FAILED) {
            log.warn("guardian: recreating VLAN parent {} on {} failed: {}", v.name(), v.lower(), reason);
        }
        deliver(events, new GuardEvent(type, 0, 0, v.name(), v.lower(), millis, reason, System.currentTimeMillis()));
    }

    // ---- host link events: the fast path -------------------------------------------------------------------------

    private final Map<String, Integer> parentIndexSeen = new ConcurrentHashMap<>();

    private void onHostLink(Link link, boolean removed) {
        if (!closed && !removed && recreateVlanParents && guardedVlanParents().stream().anyMatch(v -> v.lower().equals(link.name()))) {
            requestPass(); // a VLAN parent's lower device (re)appeared: the pass recreates the VLAN, then repairs
        }
        if (closed || (!parents.isEmpty() && !parents.contains(link.name()))) {
            return;
        }
        if (removed) {
            if (parentIndexSeen.remove(link.name()) != null || isGuardedParent(link.name())) {
                markChildrenLost(link.name());
            }
            return;
        }
        Integer before = parentIndexSeen.put(link.name(), link.index());
        if (before == null || before != link.index()) {
            for (Guarded g : guarded.values()) {
                if (hasChildOf(g, link.name())) {
                    submit(() -> repairChildren(g, link.name(), link.index()));
                }
            }
        }
    }

    private boolean isGuardedParent(String name) {
        for (Guarded g : guarded.values()) {
            if (hasChildOf(g, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasChildOf(Guarded g, String parent) {
        g.lock.lock();
        try {
            for (Tracked t : g.ifaces.values()) {
                if (t.snap.parent().name().equals(parent)) {
                    return true;
                }
            }
            return false;
        } finally {
            g.lock.unlock();
        }
    }

    // The kernel deleted every macvlan on the parent (their routes went without RTM_DELROUTE): record the loss now.
    private void markChildrenLost(String parent) {
        for (Guarded g : guarded.values()) {
            withLock(g, () -> {
                for (Tracked t : g.ifaces.values()) {
                    if (t.snap.parent().name().equals(parent) && !t.missing && !t.conflict) {
                        t.missing = true;
                        counters.lost.incrementAndGet();
                        emit(null, Type.LOST, g.ref, t.snap, 0, "parent " + parent + " was removed");
                    }
                }
            });
        }
    }

    // A parent came (back): repair its children in this namespace right away, verifying the namespace first.
    private void repairChildren(Guarded g, String parent, int parentIndex) {
        if (closed) {
            return;
        }
        withLock(g, () -> {
            if (guarded.get(g.ref.id()) != g) {
                return; // dropped meanwhile
            }
            NamespaceRef ref = g.ref;
            try (GuardNet.Ns ns = GuardNet.open(ref.path(), host.namespace())) {
                if (ns == null || !ref.sameAs(ns.id(), ns.cookie())) {
                    // The path no longer leads to this namespace; only discovery can tell gone from moved.
                    requestPass();
                    return;
                }
                boolean changed = false;
                GuardNet.HostLinks hostLinks = null;
                for (Tracked t : new ArrayList<>(g.ifaces.values())) {
                    if (!t.snap.parent().name().equals(parent)) {
                        continue;
                    }
                    Link live = ns.link(t.snap.name()).orElse(null);
                    if (live != null && hostLinks == null) {
                        hostLinks = host.links();
                    }
                    LiveLink l = live == null ? null : liveOf(ns, live, hostLinks);
                    Action a = ReconcileStep.decide(t.snap, NsStatus.SAME, l, parentIndex, t.downSeen);
                    changed |= act(g, t, a, ns, live, parentIndex, null, null, null);
                }
                if (changed) {
                    persist(g);
                }
            } catch (RuntimeException e) {
                log.warn("guardian: repairs in {} after parent {} returned failed", ref, parent, e);
                requestPass();
            }
        });
    }

    // Something changed inside a guarded namespace: look at it again (level-triggered, like a pass over one namespace).
    private void onNamespaceChanged(NsId id) {
        Guarded g = guarded.get(id);
        if (g == null || closed) {
            return;
        }
        NamespaceRef ref = g.ref;
        submit(() -> syncNamespace(new NamespaceSource.Candidate(ref.id(), ref.pid(), ref.path()), host.links(), null));
    }

    private void submit(Runnable task) {
        try {
            workers.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: the task is moot
        }
    }

    private void watch(Guarded g, GuardNet.Ns ns) {
        NamespaceWatcher w = watcher;
        if (w != null && !closed && !w.isWatching(g.ref.id())) {
            try {
                w.watch(g.ref.id(), ns.subscribe());
            } catch (RuntimeException e) {
                log.warn("guardian: cannot watch {}; the periodic pass still covers it", g.ref, e);
            }
        }
    }

    // ---- the full pass, per namespace ----------------------------------------------------------------------------

    private void syncNamespace(NamespaceSource.Candidate c, GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        if (closed) {
            return;
        }
        Guarded known = guarded.get(c.id());
        try (GuardNet.Ns ns = GuardNet.open(c.path(), host.namespace())) {
            if (ns == null || !ns.id().equals(c.id())) {
                return; // vanished or replaced while we looked; the next pass sees the truth
            }
            if (known != null) {
                withLock(known, () -> syncKnown(known, c, ns, hostLinks, events));
            } else {
                syncNew(c, ns, hostLinks, events);
            }
        } catch (RuntimeException e) {
            log.warn("guardian: pass over {} failed", c.path(), e);
        }
    }

    private void syncNew(NamespaceSource.Candidate c, GuardNet.Ns ns, GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        GuardNet.NsView view = ns.view();
        List<Link> guardable = guardable(ns, view.links(), hostLinks);
        if (guardable.isEmpty()) {
            cleanTemporaries(ns, view.links());
            return;
        }
        NamespaceRef ref = new NamespaceRef(c.id().device(), c.id().inode(), ns.cookie(), c.pid(), c.path());
        Guarded g = new Guarded(ref);
        withLock(g, () -> {
            if (guarded.putIfAbsent(ref.id(), g) != null) {
                return; // another pass got there first
            }
            cleanTemporaries(ns, view.links());
            watch(g, ns);
            for (Link l : guardable) {
                if (view.stable(l)) {
                    InterfaceSnapshot s = snapshotOf(ref, l, hostLinks, view);
                    g.ifaces.put(s.name(), new Tracked(s));
                    emit(events, Type.SNAPSHOT, ref, s, 0, "");
                }
            }
            persist(g);
        });
    }

    private void syncKnown(Guarded g, NamespaceSource.Candidate c, GuardNet.Ns ns, GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        if (guarded.get(g.ref.id()) != g) {
            return;
        }
        if (!g.ref.sameAs(c.id(), ns.cookie())) {
            drop(g, "namespace was replaced (same inode " + c.id().inode() + ", new netns cookie)", events);
            return;
        }
        boolean changed = false;
        if (g.ref.pid() != c.pid() || !g.ref.path().equals(c.path()) || g.ref.cookie() == 0) {
            g.ref = new NamespaceRef(g.ref.device(), g.ref.inode(), g.ref.cookie() == 0 ? ns.cookie() : g.ref.cookie(), c.pid(), c.path());
            for (Tracked t : g.ifaces.values()) {
                t.snap = t.snap.withNamespace(g.ref);
            }
            changed = true;
        }
        watch(g, ns);
        GuardNet.NsView view = ns.view();
        cleanTemporaries(ns, view.links());
        Map<String, Link> byName = new HashMap<>();
        view.links().forEach(l -> byName.put(l.name(), l));
        for (Tracked t : new ArrayList<>(g.ifaces.values())) {
            Link live = byName.get(t.snap.name());
            LiveLink l = live == null ? null : liveOf(ns, live, hostLinks);
            if (l != null && !view.stable(live)) {
                continue; // changing under our eyes; look again next pass
            }
            Integer parentIndex = hostLinks.indexOf(t.snap.parent().name());
            Action a = ReconcileStep.decide(t.snap, NsStatus.SAME, l, parentIndex == null ? 0 : parentIndex, t.downSeen);
            changed |= act(g, t, a, ns, live, parentIndex == null ? 0 : parentIndex, hostLinks, view, events);
        }
        // Macvlans that appeared since the last pass.
        for (Link l : guardable(ns, view.links(), hostLinks)) {
            if (!g.ifaces.containsKey(l.name()) && view.stable(l)) {
                InterfaceSnapshot s = snapshotOf(g.ref, l, hostLinks, view);
                g.ifaces.put(s.name(), new Tracked(s));
                emit(events, Type.SNAPSHOT, g.ref, s, 0, "");
                changed = true;
            }
        }
        if (changed) {
            persist(g);
        }
    }

    /**
     * Carries out one decision. Holds {@code g.lock}.
     *
     * @return true when the snapshot changed and should be persisted
     */
    private boolean act(Guarded g, Tracked t, Action a, GuardNet.Ns ns, Link live, int parentIndex,
                        GuardNet.HostLinks hostLinks, GuardNet.NsView view, List<GuardEvent> events) {
        switch (a) {
            case DROP -> {
                drop(g, "namespace is gone", events);
                return false;
            }
            case HOLD -> {
                if (live != null && !live.isUp() && t.snap.up()) {
                    t.downSeen = true;
                }
                return false;
            }
            case RETIRE -> {
                // The parent index used to decide may be stale (a queued event, a pass that began earlier). Read it again
                // now, after the link was seen missing: the kernel unlists a parent before it deletes its macvlans, so a
                // parent still at the same index now really stayed while the link went.
                Integer fresh = host.links().indexOf(t.snap.parent().name());
                int now = fresh == null ? 0 : fresh;
                Action again = ReconcileStep.decide(t.snap, NsStatus.SAME, null, now, t.downSeen);
                if (again != Action.RETIRE) {
                    return act(g, t, again, ns, null, now, hostLinks, view, events);
                }
                g.ifaces.remove(t.snap.name());
                counters.dropped.incrementAndGet();
                emit(events, Type.DROPPED, g.ref, t.snap, 0, "'" + t.snap.name() + "' was deleted while its parent "
                        + t.snap.parent().name() + " stayed: removed on purpose, not recreated");
                return true;
            }
            case WAIT_FOR_PARENT -> {
                if (!t.missing) {
                    t.missing = true;
                    counters.lost.incrementAndGet();
                    emit(events, Type.LOST, g.ref, t.snap, 0, "parent " + t.snap.parent().name() + " is absent");
                }
                return false;
            }
            case CONFLICT -> {
                if (!t.conflict) {
                    t.conflict = true;
                    counters.conflicts.incrementAndGet();
                    emit(events, Type.CONFLICT, g.ref, t.snap, 0, "'" + t.snap.name() + "' now exists with another configuration ("
                            + (live == null ? "?" : live.kind().kindName() + " " + live.mac()) + "); left alone");
                }
                return false;
            }
            case REFRESH -> {
                t.conflict = false;
                t.downSeen = false;
                boolean wasMissing = t.missing;
                t.missing = false;
                if (view == null || hostLinks == null) {
                    return wasMissing;
                }
                InterfaceSnapshot fresh = snapshotOf(g.ref, live, hostLinks, view);
                if (!fresh.sameContent(t.snap)) {
                    t.snap = fresh;
                    emit(events, Type.SNAPSHOT, g.ref, fresh, 0, "");
                    return true;
                }
                return wasMissing;
            }
            case REPAIR, COMPLETE -> {
                if (!t.missing && a == Action.REPAIR) {
                    t.missing = true;
                    counters.lost.incrementAndGet();
                    emit(events, Type.LOST, g.ref, t.snap, 0, "interface is missing");
                }
                long start = System.nanoTime();
                try {
                    int index = a == Action.REPAIR
                            ? recreate(ns, t.snap, parentIndex)
                            : complete(ns, t.snap, live);
                    parentIndex = a == Action.REPAIR ? parentIndex : live.parentIndex();
                    double ms = (System.nanoTime() - start) / 1e6;
                    t.snap = t.snap.recreated(index, parentIndex, System.currentTimeMillis());
                    t.missing = false;
                    t.conflict = false;
                    t.downSeen = false;
                    counters.repairsOk.incrementAndGet();
                    counters.lastRepairMillis = ms;
                    emit(events, Type.REPAIRED, g.ref, t.snap, ms, a == Action.COMPLETE ? "completed a recreated link" : "");
                    return true;
                } catch (GuardNet.NameTakenException e) {
                    t.conflict = true;
                    counters.conflicts.incrementAndGet();
                    emit(events, Type.CONFLICT, g.ref, t.snap, 0, e.getMessage());
                    return false;
                } catch (RuntimeException e) {
                    if (a == Action.REPAIR && !parentStillAt(t.snap.parent().name(), parentIndex)) {
                        return false; // the parent left again mid-repair: still lost, not a failure
                    }
                    counters.repairsFailed.incrementAndGet();
                    emit(events, Type.REPAIR_FAILED, g.ref, t.snap, (System.nanoTime() - start) / 1e6, String.valueOf(e.getMessage()));
                    return false;
                }
            }
            default -> throw new AssertionError(a);
        }
    }

    /**
     * Creates the interface again: in one request under a temporary name directly inside the namespace, renamed,
     * addresses (IPv6 without DAD) before it comes up so the kernel's own link-local does not start a DAD round,
     * up, then routes. Any failure deletes the new link.
     *
     * @return the new ifindex
     */
    private int recreate(GuardNet.Ns ns, InterfaceSnapshot s, int parentIndex) {
        int index = host.createMacvlan(ns, s.name(), parentIndex, s.mac(), s.mtu(), s.mode());
        boolean done = false;
        try {
            restoreAddressesAndRoutes(ns, s, index, true);
            done = true;
            return index;
        } finally {
            if (!done) {
                ns.deleteQuietly(index);
            }
        }
    }

    /** Finishes a link recreated earlier (by a guardian that stopped half way): settings, addresses and routes. */
    private int complete(GuardNet.Ns ns, InterfaceSnapshot s, Link live) {
        if (live.mtu() != s.mtu()) {
            ns.setMtu(live.index(), s.mtu());
        }
        restoreAddressesAndRoutes(ns, s, live.index(), !live.isUp());
        return live.index();
    }

    private void restoreAddressesAndRoutes(GuardNet.Ns ns, InterfaceSnapshot s, int index, boolean bringUp) {
        List<Address> addrs = new ArrayList<>();
        for (Address a : s.addresses()) {
            int flags = a.flags() & RESTORABLE_ADDRESS_FLAGS;
            if (a.family() == AddressFamily.INET6) {
                flags |= AddressFlag.NODAD.bit(); // the address was ours already: no new duplicate-address wait
            }
            addrs.add(new Address(index, a.address(), a.prefixLength(), a.peer(), a.broadcast(), a.scope(), flags, a.label()));
        }
        ns.addAddresses(addrs);
        if (bringUp && s.up()) {
            ns.setUp(index);
        }
        List<Route> routes = new ArrayList<>();
        for (Route r : s.routes()) {
            routes.add(new Route(r.family(), r.destination(), r.destinationPrefix(), r.gateway(), index, r.table(), r.priority(),
                    r.scope(), r.protocol(), r.type(), r.flags() & RtnlConstants.RTNH_F_ONLINK, r.preferredSource()));
        }
        ns.addRoutes(routes);
    }

    private boolean parentStillAt(String parent, int index) {
        try {
            Integer now = host.links().indexOf(parent);
            return now != null && now == index;
        } catch (RuntimeException e) {
            return true;
        }
    }

    private void drop(Guarded g, String reason, List<GuardEvent> events) {
        if (!guarded.remove(g.ref.id(), g)) {
            return;
        }
        for (Tracked t : g.ifaces.values()) {
            counters.dropped.incrementAndGet();
            emit(events, Type.DROPPED, g.ref, t.snap, 0, reason);
        }
        g.ifaces.clear();
        NsId id = g.ref.id();
        NamespaceWatcher w = watcher;
        if (w != null) {
            w.unwatch(id);
        }
        writer.submit(() -> {
            try {
                store.delete(id);
            } catch (IOException e) {
                counters.stateFileErrors.incrementAndGet();
                log.warn("guardian: cannot remove state of {}", id, e);
            }
        });
    }

    private void persist(Guarded g) {
        List<InterfaceSnapshot> snaps = new ArrayList<>();
        g.ifaces.values().forEach(t -> snaps.add(t.snap));
        NamespaceState state = new NamespaceState(g.ref, snaps);
        writer.submit(() -> {
            if (guarded.get(state.namespace().id()) != g) {
                return; // dropped since
            }
            try {
                store.write(state);
            } catch (IOException | UncheckedIOException e) {
                counters.stateFileErrors.incrementAndGet();
                log.warn("guardian: cannot write state of {}", state.namespace(), e);
            }
        });
    }

    // Temporary links exist only inside one guardian call; one found here is left from a guardian that died mid-repair.
    private static void cleanTemporaries(GuardNet.Ns ns, List<Link> links) {
        for (Link l : links) {
            if (GuardNet.TEMP_NAME.matcher(l.name()).matches() && l.kind() instanceof LinkKind.Macvlan) {
                ns.deleteQuietly(l.index());
            }
        }
    }

    private List<Link> guardable(GuardNet.Ns ns, List<Link> links, GuardNet.HostLinks hostLinks) {
        List<Link> out = new ArrayList<>();
        for (Link l : links) {
            if (l.kind() instanceof LinkKind.Macvlan && ns.parentInHost(l) && !GuardNet.TEMP_NAME.matcher(l.name()).matches()) {
                String parent = hostLinks.nameOf(l.parentIndex());
                if (parent != null && (parents.isEmpty() || parents.contains(parent))) {
                    out.add(l);
                }
            }
        }
        return out;
    }

    private static LiveLink liveOf(GuardNet.Ns ns, Link l, GuardNet.HostLinks hostLinks) {
        String parent = ns.parentInHost(l) ? hostLinks.nameOf(l.parentIndex()) : null;
        return new LiveLink(l.index(), l.mac(), l.mtu(), l.macvlanMode().orElse(null), l.isUp(), parent);
    }

    private static InterfaceSnapshot snapshotOf(NamespaceRef ref, Link l, GuardNet.HostLinks hostLinks, GuardNet.NsView view) {
        List<Address> addrs = new ArrayList<>();
        for (Address a : view.addresses()) {
            // IPv6 addresses without IFA_F_PERMANENT were learnt (SLAAC, privacy): router advertisements bring them back
            // with their real lifetimes; restoring them would make them permanent.
            boolean learnt = a.family() == AddressFamily.INET6 && !a.has(AddressFlag.PERMANENT);
            if (a.linkIndex() == l.index() && !learnt) {
                addrs.add(a);
            }
        }
        List<Route> routes = new ArrayList<>();
        for (Route r : view.routes()) {
            if (r.outputIndex() == l.index() && r.type() == Route.TYPE_UNICAST && r.protocol() != Route.PROTOCOL_KERNEL
                    && r.protocol() != RTPROT_RA) {
                routes.add(r);
            }
        }
        return new InterfaceSnapshot(ref, l.index(), l.name(), l.mac(), l.mtu(), l.macvlanMode().orElseThrow(), l.isUp(),
                hostParentOf(l.parentIndex(), hostLinks), l.parentIndex(), addrs, routes, System.currentTimeMillis());
    }

    /** The parent as the host has it now: a VLAN with its lower device and id, or a link others bring back. */
    static HostParent hostParentOf(int parentIndex, GuardNet.HostLinks hostLinks) {
        Link p = hostLinks.link(parentIndex);
        String name = hostLinks.nameOf(parentIndex);
        if (p != null && p.kind() instanceof LinkKind.Vlan v) {
            String lower = hostLinks.nameOf(p.parentIndex());
            if (lower != null) {
                return new HostParent.Vlan(name, lower, v.id(), v.protocol());
            }
        }
        return new HostParent.Existing(name);
    }

    private void emit(List<GuardEvent> events, Type type, NamespaceRef ref, InterfaceSnapshot s, double millis, String reason) {
        deliver(events, new GuardEvent(type, ref.inode(), ref.pid(), s.name(), s.parent().name(), millis, reason, System.currentTimeMillis()));
    }

    private void deliver(List<GuardEvent> events, GuardEvent e) {
        if (events != null) {
            events.add(e);
        }
        if (listener != null) {
            try {
                listener.onEvent(e);
            } catch (RuntimeException ex) {
                log.warn("guardian listener threw on {}", e, ex);
            }
        }
    }

    private static void withLock(Guarded g, Runnable r) {
        g.lock.lock();
        try {
            r.run();
        } finally {
            g.lock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
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
            if (closed) {
                return;
            }
            closed = true;
        }
        requestPass();
        if (hostEvents != null) {
            try {
                hostEvents.close();
            } catch (Exception e) {
                log.debug("closing host subscription", e);
            }
        }
        if (loop != null) {
            loop.interrupt();
            joinQuietly(loop);
        }
        if (watcher != null) {
            watcher.close();
        }
        workers.shutdown();
        awaitQuietly(workers);
        writer.shutdown();
        awaitQuietly(writer);
        host.close();
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

        private Builder() {
        }

        /** Where snapshots are kept (created 0700 when missing). @param dir the directory @return this */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Guard only macvlans on these host parents; empty (the default) guards every host parent. @param names parent names @return this */
        public Builder parents(Collection<String> names) {
            names.forEach(dev.hostkit.netlink.LinkNames::check);
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
