package dev.hostkit.guard;

import dev.hostkit.core.Errno;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.Guarded.Tracked;
import dev.hostkit.netlink.NetlinkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings back guarded VLAN parents ({@code eth0.3}) that are gone while their lower device ({@code eth0}) is back: a
 * driver reload deletes the VLAN with its lower device and nothing may create it again. Off by default; then it only
 * says, once per parent, that the parent is missing and why nothing makes it.
 */
final class VlanParentKeeper {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);

    private final GuardContext ctx;
    private final boolean recreate;
    // VLAN parents already reported as absent with their lower device present while recreation is off: said once.
    private final Set<String> hintGiven = ConcurrentHashMap.newKeySet();

    VlanParentKeeper(GuardContext ctx, boolean recreate) {
        this.ctx = ctx;
        this.recreate = recreate;
    }

    /**
     * Recreates the guarded VLAN parents that are gone while their lower device is present. Returns the host's
     * links, dumped again when something was made, so this pass repairs the VLAN's macvlans at once.
     */
    GuardNet.HostLinks restore(GuardNet.HostLinks hostLinks, List<GuardEvent> events) {
        boolean made = false;
        for (HostParent.Vlan v : guardedVlanParents()) {
            Integer lower = hostLinks.indexOf(v.lower());
            if (hostLinks.indexOf(v.name()) != null || lower == null) {
                hintGiven.remove(v.name());
                continue;
            }
            if (!recreate) {
                if (hintGiven.add(v.name())) {
                    log.warn(
                            "guardian: VLAN parent {} (VLAN {} on {}) is gone while {} is back, and nothing recreated it; its "
                                    + "macvlans wait for it (recreateVlanParents / --recreate-vlan-parents lets the guardian make it)",
                            v.name(),
                            v.id(),
                            v.lower(),
                            v.lower());
                }
                continue;
            }
            long t0 = System.nanoTime();
            try {
                ctx.host.createVlan(v, lower);
                made = true;
                emit(
                        events,
                        Type.PARENT_RECREATED,
                        v,
                        (System.nanoTime() - t0) / 1e6,
                        "VLAN " + v.id() + " (" + v.protocol() + ") recreated on " + v.lower());
            } catch (NetlinkException e) {
                if (e.errno() == Errno.EEXIST) {
                    made = true; // someone else (the network configuration) made it meanwhile
                } else {
                    emit(events, Type.PARENT_RECREATE_FAILED, v, (System.nanoTime() - t0) / 1e6, e.getMessage());
                }
            }
        }
        return made ? ctx.host.links() : hostLinks;
    }

    /** Whether a host link that (re)appeared is the lower device of a guarded VLAN parent this keeper would make. */
    boolean wantsPassFor(String appearedLink) {
        return recreate && guardedVlanParents().stream().anyMatch(v -> v.lower().equals(appearedLink));
    }

    private Set<HostParent.Vlan> guardedVlanParents() {
        Set<HostParent.Vlan> out = new HashSet<>();
        for (Guarded g : ctx.guarded.values()) {
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

    private void emit(List<GuardEvent> events, Type type, HostParent.Vlan v, double millis, String reason) {
        if (type == Type.PARENT_RECREATE_FAILED) {
            log.warn("guardian: recreating VLAN parent {} on {} failed: {}", v.name(), v.lower(), reason);
        }
        ctx.deliver(
                events, new GuardEvent(type, 0, 0, v.name(), v.lower(), millis, reason, System.currentTimeMillis()));
    }
}
