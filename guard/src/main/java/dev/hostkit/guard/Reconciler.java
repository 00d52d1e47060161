// Over 400 lines: one job (bring a namespace in line with its snapshots) in its three ways in, the full look, the
// parent-returned fast path and the kept session's re-look; the session opening and checking is the next cut.
package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.Guarded.Tracked;
import dev.hostkit.guard.Observation.NamespaceStatus;
import dev.hostkit.guard.Observation.Parent;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.NetlinkEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings one guarded namespace in line with what its host shows: looks (namespace identity, links, addresses,
 * routes, the parents), asks {@link Verdicts#judge} what each snapshot's interface is, and acts on the verdict:
 * re-snapshot, wait, repair through the {@link Repairer}, report a conflict, or forget on positive evidence only.
 * Every change to a namespace's snapshots holds its lock.
 */
final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);
    private static final Duration STATE_FLUSH_TIMEOUT = Duration.ofSeconds(2);
    /**
     * The longest the periodic pass leaves a settled namespace without looking through it: the level-triggered
     * safety net under the namespace's events.
     */
    static final Duration SETTLED_MAX_AGE = Duration.ofMinutes(5);
    /** The longest pause before a failed repair is tried again under the same parent (the pass may come later). */
    static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(1);

    private final GuardContext ctx;
    private final Repairer repairer;

    Reconciler(GuardContext ctx, Repairer repairer) {
        this.ctx = ctx;
        this.repairer = repairer;
    }

    /**
     * Judges a guarded namespace as a whole when its status is not {@link NamespaceStatus#SAME}: gone or replaced
     * forgets it (state file included), unknown keeps everything. Holds {@code g.lock}.
     */
    void judgeNamespace(Guarded g, NamespaceStatus status, String why, List<GuardEvent> events) {
        boolean forget;
        if (g.ifaces.isEmpty()) {
            forget = status == NamespaceStatus.GONE || status == NamespaceStatus.REPLACED;
        } else {
            // The namespace decides first, so every snapshot of it has the same verdict: ask with any one.
            Observation seen = new Observation(status, null, new Parent.Unknown("not looked at"), false);
            forget = Verdicts.judge(g.ifaces.values().iterator().next().snap, seen)
                    .forgets();
        }
        if (forget) {
            ctx.drop(g, why, events);
        }
    }

    /**
     * Whether the periodic pass may leave a guarded namespace it found alone: its last look settled everything and
     * nothing was heard from it or about its parents since (see {@link Guarded#settled}). The look's findings that
     * need no opening are taken here: it is still reached by {@code c} (a new pid or path is recorded), and its
     * look errors are judged as usual by the caller. Takes {@code g.lock}.
     */
    boolean settled(Guarded g, NamespaceSource.Candidate c, long now) {
        g.lock.lock();
        try {
            if (!g.settled(ctx.isWatched(g.ref.id()), now, SETTLED_MAX_AGE.toNanos())) {
                return false;
            }
            ctx.counters.lookSucceeded(g.ref.id());
            if (reachedVia(g, c)) {
                ctx.persist(g);
            }
            return true;
        } finally {
            g.lock.unlock();
        }
    }

    /**
     * Whether a burst of {@code g}'s events only echoes its snapshots ({@link Echoes}; typically a repair's own), so
     * the look it would ask for is left out; counted. Takes {@code g.lock}.
     */
    boolean onlyEchoes(Guarded g, List<NetlinkEvent> burst) {
        g.lock.lock();
        try {
            boolean echoes = ctx.guarded.get(g.ref.id()) == g && g.session != null && Echoes.onlyEchoes(g, burst);
            if (echoes) {
                ctx.counters.echoesNotLookedAt.incrementAndGet();
            }
            return echoes;
        } finally {
            g.lock.unlock();
        }
    }

    /** One namespace of a full pass (or of a change seen inside it): its identity first, then every snapshot. */
    void sync(NamespaceSource.Candidate c, GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        if (ctx.closed) {
            return;
        }
        Guarded known = ctx.guarded.get(c.id());
        if (known != null) {
            known.withLock(() -> syncKnown(known, c, hostLinks, events));
        } else {
            syncNew(c, hostLinks, events);
        }
    }

    /**
     * Opens a namespace by the path a look found it at; null when it vanished or was replaced meanwhile (the next
     * pass's look tells gone from moved) or could not be opened (unreadable is not gone: counted, kept, looked at
     * again).
     */
    private GuardNet.Ns open(NamespaceSource.Candidate c, Guarded known) {
        GuardNet.Ns ns;
        try {
            ns = GuardNet.open(c.path(), ctx.host.namespace());
        } catch (RuntimeException e) {
            String reason = NamespaceSource.reasonOf(e);
            if (known != null) {
                ctx.counters.lookFailed(known.ref, reason, String.valueOf(e.getMessage()));
            } else {
                ctx.counters.countLookError(reason);
                log.debug("guardian: cannot look into {}: {}", c.path(), e.toString());
            }
            return null;
        }
        if (ns != null && !ns.id().equals(c.id())) {
            ns.close();
            return null;
        }
        return ns;
    }

    private void syncNew(NamespaceSource.Candidate c, GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        long generation = ctx.census.generation();
        GuardNet.Ns ns = open(c, null);
        if (ns == null) {
            return;
        }
        boolean kept = false;
        try {
            if (ctx.isHost(ns.id(), ns.cookie())) {
                return;
            }
            // One link dump says whether anything here is guardable; most namespaces have nothing.
            List<Link> links = ns.links();
            if (LiveLinks.guardable(ctx, ns, links, hostLinks).isEmpty()) {
                LiveLinks.cleanTemporaries(ctx, ns, links, hostLinks);
                ctx.census.judgedEmpty(c.id(), generation);
                return;
            }
            kept = guardNew(c, ns, hostLinks, events);
        } catch (RuntimeException e) {
            log.warn("guardian: pass over {} failed", c.path(), e);
        } finally {
            if (!kept) {
                ns.close();
            }
        }
    }

    // Starts guarding a namespace with guardable links; true when it now holds ns as its session.
    private boolean guardNew(
            NamespaceSource.Candidate c, GuardNet.Ns ns, GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        GuardNet.NsView view = ns.view();
        List<Link> guardable = LiveLinks.guardable(ctx, ns, view.links(), hostLinks);
        if (guardable.isEmpty()) {
            return false; // gone between the two dumps; the next look sees it again
        }
        NamespaceRef ref = new NamespaceRef(c.id().device(), c.id().inode(), ns.cookie(), c.pid(), c.path());
        Guarded g = new Guarded(ref);
        g.lock.lock();
        try {
            if (ctx.guarded.putIfAbsent(ref.id(), g) != null) {
                return false; // another pass got there first
            }
            ctx.census.forget(ref.id());
            g.session = ns;
            LiveLinks.cleanTemporaries(ctx, ns, view.links(), hostLinks);
            watch(g, ns);
            for (Link l : guardable) {
                if (view.stable(l)) {
                    InterfaceSnapshot s = LiveLinks.snapshotOf(ref, l, hostLinks, view);
                    g.ifaces.put(s.name(), new Tracked(s));
                    ctx.emit(events, Type.SNAPSHOT, ref, s, 0, "");
                }
            }
            ctx.persist(g);
            return true;
        } finally {
            g.lock.unlock();
        }
    }

    // A guarded namespace's session, opened by c's path and verified at its first look. Null when there is none now.
    private GuardNet.Ns session(Guarded g, NamespaceSource.Candidate c, List<GuardEvent> events) {
        if (g.session != null) {
            return g.session;
        }
        GuardNet.Ns ns = open(c, g);
        if (ns == null) {
            return null;
        }
        if (ctx.isHost(ns.id(), ns.cookie())) {
            ns.close();
            ctx.refuseHost(g, events);
            return null;
        }
        if (!g.ref.sameAs(c.id(), ns.cookie())) {
            ns.close();
            judgeNamespace(
                    g,
                    NamespaceStatus.REPLACED,
                    "namespace was replaced (same inode " + c.id().inode() + ", new netns cookie)",
                    events);
            return null;
        }
        g.session = ns;
        return ns;
    }

    // The namespace is reached by c now: records a new pid or path (and a cookie first known). True when changed.
    private static boolean reachedVia(Guarded g, NamespaceSource.Candidate c) {
        long cookie = g.ref.cookie() == 0 && g.session != null ? g.session.cookie() : g.ref.cookie();
        if (g.ref.pid() == c.pid() && g.ref.path().equals(c.path()) && g.ref.cookie() == cookie) {
            return false;
        }
        g.ref = new NamespaceRef(g.ref.device(), g.ref.inode(), cookie, c.pid(), c.path());
        for (Tracked t : g.ifaces.values()) {
            t.snap = t.snap.withNamespace(g.ref);
        }
        return true;
    }

    private void syncKnown(
            Guarded g, NamespaceSource.Candidate c, GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        if (ctx.guarded.get(g.ref.id()) != g) {
            return;
        }
        long heard = g.changes.get();
        long began = System.nanoTime();
        GuardNet.Ns ns = session(g, c, events);
        if (ns == null) {
            return;
        }
        try {
            if (lookThrough(g, c, ns, hostLinks, events)) {
                g.changesAtSettledLook = heard;
                g.settledAt = began;
            } else {
                g.changesAtSettledLook = -1;
            }
        } catch (RuntimeException e) {
            // A dump that failed inside proves nothing either: kept, counted, said once, looked at again through a
            // session opened afresh.
            g.changesAtSettledLook = -1;
            g.closeSession();
            ctx.counters.lookFailed(g.ref, NamespaceSource.reasonOf(e), "pass over it failed: " + e);
            log.debug("guardian: pass over {} failed", c.path(), e);
        }
    }

    // One look through a guarded namespace's session; true when it left every interface present and settled.
    private boolean lookThrough(
            Guarded g,
            NamespaceSource.Candidate c,
            GuardNet.Ns ns,
            GuardNet.HostLinks hostLinks,
            List<GuardEvent> events) {
        if (ctx.isHost(ns.id(), ns.cookie())) {
            ctx.refuseHost(g, events);
            return false;
        }
        ctx.counters.lookSucceeded(g.ref.id());
        boolean changed = reachedVia(g, c);
        boolean settled = true;
        watch(g, ns);
        GuardNet.NsView view = ns.view();
        LiveLinks.cleanTemporaries(ctx, ns, view.links(), hostLinks);
        Map<String, Link> byName = new HashMap<>();
        view.links().forEach(l -> byName.put(l.name(), l));
        for (Tracked t : new ArrayList<>(g.ifaces.values())) {
            Link live = byName.get(t.snap.name());
            if (live != null && !view.stable(live)) {
                settled = false;
                continue; // changing under our eyes; look again next pass
            }
            Parent parent = Parent.ofIndex(hostLinks.indexOf(t.snap.parent().name()));
            Observation seen = new Observation(
                    NamespaceStatus.SAME,
                    live == null ? null : LiveLinks.observed(ns, live, hostLinks),
                    parent,
                    t.downSeen);
            Verdict v = Verdicts.judge(t.snap, seen);
            changed |= act(g, t, v, ns, live, parent, hostLinks, view, events);
            if (ctx.guarded.get(g.ref.id()) != g) {
                return false; // dropped or refused: nothing more to do or write here
            }
            settled &= v == Verdict.PRESENT && !t.missing && !t.conflict && !t.downSeen;
        }
        // Macvlans that appeared since the last pass.
        for (Link l : LiveLinks.guardable(ctx, ns, view.links(), hostLinks)) {
            if (!g.ifaces.containsKey(l.name())) {
                if (!view.stable(l)) {
                    settled = false;
                    continue;
                }
                InterfaceSnapshot s = LiveLinks.snapshotOf(g.ref, l, hostLinks, view);
                g.ifaces.put(s.name(), new Tracked(s));
                ctx.emit(events, Type.SNAPSHOT, g.ref, s, 0, "");
                changed = true;
            }
        }
        if (changed) {
            ctx.persist(g);
        }
        return settled;
    }

    /**
     * A parent came (back) at {@code parentIndex}: repairs its children in {@code g} right away, after verifying
     * that the namespace's path still leads to it (only a full pass can tell gone from moved).
     */
    void repairChildren(Guarded g, String parent, int parentIndex) {
        if (ctx.closed) {
            return;
        }
        g.withLock(() -> {
            if (ctx.guarded.get(g.ref.id()) != g) {
                return; // dropped meanwhile
            }
            NamespaceRef ref = g.ref;
            // The path must still lead to the namespace (a stat, nothing opened): a namespace only its session
            // still holds is no container's any more, and only a full pass can tell gone from moved.
            if (!ref.id().equals(NamespaceSource.statId(ref.path()))) {
                ctx.requestPass();
                return;
            }
            GuardNet.Ns ns = session(g, new NamespaceSource.Candidate(ref.id(), ref.pid(), ref.path()), null);
            if (ns == null) {
                ctx.requestPass();
                return;
            }
            try {
                boolean changed = false;
                GuardNet.HostLinks hostLinks = null;
                for (Tracked t : new ArrayList<>(g.ifaces.values())) {
                    if (!t.snap.parent().name().equals(parent)) {
                        continue;
                    }
                    Link live = ns.link(t.snap.name()).orElse(null);
                    if (live != null && hostLinks == null) {
                        hostLinks = ctx.host.links();
                    }
                    Observation seen = new Observation(
                            NamespaceStatus.SAME,
                            live == null ? null : LiveLinks.observed(ns, live, hostLinks),
                            new Parent.At(parentIndex),
                            t.downSeen);
                    changed |= act(
                            g, t, Verdicts.judge(t.snap, seen), ns, live, new Parent.At(parentIndex), null, null, null);
                    if (ctx.guarded.get(g.ref.id()) != g) {
                        return; // refused
                    }
                }
                if (changed) {
                    ctx.persist(g);
                }
            } catch (RuntimeException e) {
                g.closeSession();
                ctx.counters.lookFailed(
                        ref, NamespaceSource.reasonOf(e), "repairs after parent " + parent + " returned failed: " + e);
                ctx.requestPass();
            }
        });
    }

    private void watch(Guarded g, GuardNet.Ns ns) {
        NamespaceWatcher w = ctx.watcher;
        if (w != null && !ctx.closed && !w.isWatching(g.ref.id())) {
            try {
                w.watch(g.ref.id(), ns.subscribe());
            } catch (RuntimeException e) {
                log.warn("guardian: cannot watch {}; the periodic pass still covers it", g.ref, e);
            }
        }
    }

    /**
     * Carries out one verdict. Holds {@code g.lock}.
     *
     * @return true when the snapshot changed and should be persisted
     */
    private boolean act(
            Guarded g,
            Tracked t,
            Verdict v,
            GuardNet.Ns ns,
            Link live,
            Parent parent,
            GuardNet.HostLinks hostLinks,
            GuardNet.NsView view,
            List<GuardEvent> events) {
        switch (v) {
            case NAMESPACE_GONE, NAMESPACE_REPLACED -> {
                ctx.drop(g, "namespace is gone", events);
                return false;
            }
            case UNKNOWN -> {
                String why = parent instanceof Parent.Unknown u ? u.why() : "unknown";
                ctx.counters.lookFailed(
                        g.ref,
                        "host_links",
                        "cannot read the host's links to find parent "
                                + t.snap.parent().name() + " of '" + t.snap.name() + "': " + why);
                return false;
            }
            case SETTLING -> {
                if (live != null && !live.isUp() && t.snap.up()) {
                    t.downSeen = true;
                }
                return false;
            }
            case DELETED_ON_PURPOSE -> {
                // The parent index used to decide may be stale (a queued event, a pass that began earlier). Read it
                // again
                // now, after the link was seen missing: the kernel unlists a parent before it deletes its macvlans, so
                // a
                // parent still at the same index now really stayed while the link went. A failed read proves nothing.
                Parent fresh;
                try {
                    fresh = Parent.ofIndex(
                            ctx.host.links().indexOf(t.snap.parent().name()));
                } catch (RuntimeException e) {
                    fresh = new Parent.Unknown(String.valueOf(e.getMessage()));
                }
                Verdict again = Verdicts.judge(t.snap, new Observation(NamespaceStatus.SAME, null, fresh, t.downSeen));
                if (again != Verdict.DELETED_ON_PURPOSE) {
                    return act(g, t, again, ns, null, fresh, hostLinks, view, events);
                }
                g.ifaces.remove(t.snap.name());
                ctx.counters.dropped.incrementAndGet();
                ctx.emit(
                        events,
                        Type.DROPPED,
                        g.ref,
                        t.snap,
                        0,
                        "'" + t.snap.name() + "' was deleted while its parent "
                                + t.snap.parent().name() + " stayed: removed on purpose, not recreated");
                return true;
            }
            case WAITING_FOR_PARENT -> {
                if (!t.waitingForParent) {
                    t.waitingForParent = true;
                    ctx.writer.statusChanged(); // a failing interface whose parent left again says so too
                }
                if (!t.missing) {
                    t.missing = true;
                    ctx.counters.lost.incrementAndGet();
                    ctx.emit(
                            events,
                            Type.LOST,
                            g.ref,
                            t.snap,
                            0,
                            "parent " + t.snap.parent().name() + " is absent");
                }
                return false;
            }
            case CONFLICT -> {
                if (!t.conflict) {
                    t.conflict = true;
                    ctx.counters.conflicts.incrementAndGet();
                    ctx.emit(
                            events,
                            Type.CONFLICT,
                            g.ref,
                            t.snap,
                            0,
                            "'" + t.snap.name() + "' now exists with another configuration ("
                                    + (live == null ? "?" : live.kind().kindName() + " " + live.mac())
                                    + "); left alone");
                }
                return false;
            }
            case PRESENT -> {
                t.waitingForParent = false;
                t.conflict = false;
                t.downSeen = false;
                boolean wasMissing = t.missing;
                t.missing = false;
                if (view == null || hostLinks == null) {
                    return wasMissing;
                }
                InterfaceSnapshot fresh = LiveLinks.snapshotOf(g.ref, live, hostLinks, view);
                if (!fresh.sameContent(t.snap)) {
                    t.snap = fresh;
                    ctx.emit(events, Type.SNAPSHOT, g.ref, fresh, 0, "");
                    return true;
                }
                return wasMissing;
            }
            case LOST, RECREATED -> {
                return repair(g, t, v, ns, live, ((Parent.At) parent).index(), events);
            }
            default -> throw new AssertionError(v);
        }
    }

    private boolean repair(
            Guarded g, Tracked t, Verdict v, GuardNet.Ns ns, Link live, int parentIndex, List<GuardEvent> events) {
        if (!t.missing && v == Verdict.LOST) {
            t.missing = true;
            ctx.counters.lost.incrementAndGet();
            ctx.emit(events, Type.LOST, g.ref, t.snap, 0, "interface is missing");
        }
        t.waitingForParent = false; // its parent is there: what follows is emitted, and the status follows that
        long start = System.nanoTime();
        if (t.failures > 0 && t.failedParentIndex == parentIndex && start - t.retryAt < 0) {
            // A failed attempt's own link events bring the namespace straight back here: without a pause a repair the
            // kernel keeps refusing was retried about 11 times a second. A new parent (another index) retries at once.
            return false;
        }
        awaitSnapshotOnDisk(g);
        try {
            Repairer.Repaired done = v == Verdict.LOST
                    ? repairer.recreate(ns, t.snap, parentIndex)
                    : repairer.complete(ns, t.snap, live);
            int index = done.index();
            int newParentIndex = v == Verdict.LOST ? parentIndex : live.parentIndex();
            double ms = (System.nanoTime() - start) / 1e6;
            t.snap = t.snap.recreated(index, newParentIndex, System.currentTimeMillis());
            t.missing = false;
            t.conflict = false;
            t.downSeen = false;
            t.failures = 0;
            ctx.counters.repairsOk.incrementAndGet();
            ctx.counters.lastRepairMillis = ms;
            ctx.emit(
                    events,
                    Type.REPAIRED,
                    g.ref,
                    t.snap,
                    ms,
                    v == Verdict.RECREATED ? "completed a recreated link" : "",
                    done.announced());
            return true;
        } catch (Repairer.HostNamespaceException e) {
            ctx.refuseHost(g, events);
            return false;
        } catch (GuardNet.NameTakenException e) {
            t.conflict = true;
            ctx.counters.conflicts.incrementAndGet();
            ctx.emit(events, Type.CONFLICT, g.ref, t.snap, 0, e.getMessage());
            return false;
        } catch (RuntimeException e) {
            if (v == Verdict.LOST && parentLeftAgain(t.snap.parent().name(), parentIndex)) {
                return false; // the parent left again mid-repair: still lost, not a failure
            }
            ctx.counters.repairsFailed.incrementAndGet();
            t.failures++;
            t.failedParentIndex = parentIndex;
            t.retryAt = System.nanoTime() + retryDelayNanos(t.failures);
            ctx.emit(
                    events,
                    Type.REPAIR_FAILED,
                    g.ref,
                    t.snap,
                    (System.nanoTime() - start) / 1e6,
                    String.valueOf(e.getMessage()));
            return false;
        }
    }

    /** The pause after the n-th failure in a row: 100 ms, doubling, at most {@link #MAX_RETRY_DELAY}. */
    static long retryDelayNanos(int failures) {
        long first = Duration.ofMillis(100).toNanos();
        return Math.min(MAX_RETRY_DELAY.toNanos(), first << Math.min(failures - 1, 10));
    }

    // A namespace first seen moments ago may have its snapshot still queued for the disk (the first write of a fresh
    // JVM takes about a second, most of it the JSON codec's start-up): without it on disk, a guardian killed mid-repair
    // leaves a half-made link that the next one would snapshot as it is. Waiting costs nothing once it is there.
    private void awaitSnapshotOnDisk(Guarded g) {
        if (!g.onDisk && !ctx.writer.flush(STATE_FLUSH_TIMEOUT)) {
            log.warn(
                    "guardian: the state of {} is not on disk after {} s; repairing anyway",
                    g.ref,
                    STATE_FLUSH_TIMEOUT.toSeconds());
        }
    }

    // Only a successful read that shows the parent gone or at another index says so; an error counts the failure.
    private boolean parentLeftAgain(String parent, int index) {
        try {
            Integer now = ctx.host.links().indexOf(parent);
            return now == null || now != index;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
