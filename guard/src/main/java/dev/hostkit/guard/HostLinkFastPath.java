package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.Guarded.Tracked;
import dev.hostkit.netlink.Link;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fast path from host link events: a guarded parent removed marks its children lost at once (the kernel deletes
 * them without telling each namespace's routes); a parent that comes (back) with a new index has its children
 * repaired right away instead of at the next pass; a VLAN parent's lower device returning asks for a pass.
 */
final class HostLinkFastPath {
    private final GuardContext ctx;
    private final Reconciler reconciler;
    private final VlanParentKeeper vlans;
    private final Map<String, Integer> parentIndexSeen = new ConcurrentHashMap<>();

    HostLinkFastPath(GuardContext ctx, Reconciler reconciler, VlanParentKeeper vlans) {
        this.ctx = ctx;
        this.reconciler = reconciler;
        this.vlans = vlans;
    }

    /** Remembers the host's parents as they are now: a parent going down announces itself before it is deleted. */
    void knownNow(GuardNet.HostLinks now) {
        for (String p : now.names()) {
            parentIndexSeen.putIfAbsent(p, now.indexOf(p));
        }
    }

    /** A host link changed. */
    void onHostLink(Link link, boolean removed) {
        if (ctx.closed) {
            return;
        }
        if (!removed && vlans.wantsPassFor(link.name())) {
            ctx.requestPass(); // a VLAN parent's lower device (re)appeared: the pass recreates the VLAN, then repairs
        }
        if (!ctx.inScope(link.name())) {
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
            // One batch: the children's announcements wait for the last repair (no broadcast fan-out beside them).
            Announcer.Batch batch = new Announcer.Batch();
            for (Guarded g : ctx.guarded.values()) {
                if (g.any(s -> s.parent().name().equals(link.name()))) {
                    ctx.submit(
                            "repairs in " + g.ref + " after parent " + link.name() + " returned",
                            batch.around(() -> reconciler.repairChildren(g, link.name(), link.index())));
                }
            }
            batch.seal();
        }
    }

    private boolean isGuardedParent(String name) {
        for (Guarded g : ctx.guarded.values()) {
            if (g.any(s -> s.parent().name().equals(name))) {
                return true;
            }
        }
        return false;
    }

    // The kernel deleted every macvlan on the parent (their routes went without RTM_DELROUTE): record the loss now.
    private void markChildrenLost(String parent) {
        for (Guarded g : ctx.guarded.values()) {
            g.withLock(() -> {
                for (Tracked t : g.ifaces.values()) {
                    if (!t.snap.parent().name().equals(parent) || t.conflict) {
                        continue;
                    }
                    if (!t.waitingForParent) {
                        t.waitingForParent = true;
                        ctx.writer.statusChanged(); // one whose repair was failing now waits for its parent
                    }
                    if (!t.missing) {
                        t.missing = true;
                        ctx.counters.lost.incrementAndGet();
                        ctx.emit(null, Type.LOST, g.ref, t.snap, 0, "parent " + parent + " was removed");
                    }
                }
            });
        }
    }
}
