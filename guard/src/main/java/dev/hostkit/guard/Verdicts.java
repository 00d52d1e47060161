package dev.hostkit.guard;

import dev.hostkit.guard.Observation.LiveLink;
import dev.hostkit.guard.Observation.Parent;

/**
 * The one rule that decides what a snapshot's interface is, given what the host shows. Pure: no kernel, no clock,
 * no state; the guardian acts on its answer and the doctor reports it, so the two can never disagree.
 */
public final class Verdicts {
    private Verdicts() {}

    /**
     * Judges one snapshot against one observation.
     * <ul>
     *   <li>The namespace decides first: gone or replaced forgets, unknown keeps (an error is never evidence).</li>
     *   <li>A missing link: parent unknown keeps, absent waits, back at a new index is lost (repair), still at the
     *       snapshot's index was deleted on purpose.</li>
     *   <li>The same link (same index): present, or settling while it looks half torn down (down once while the
     *       snapshot says up, or its parent no longer resolves); a same-index link of another kind (macvlan, ipvlan,
     *       other) is a conflict. A MAC or mode its owner changed on the same link is still the snapshot's link.</li>
     *   <li>Another link by the name is the snapshot's recreated link only with the same kind, mode (and ipvlan flag),
     *       host parent and, for a macvlan, MAC (an ipvlan has its parent's); anything else is a conflict (a same-MAC
     *       macvlan in another mode or on another parent included).</li>
     * </ul>
     *
     * @param snap the snapshot
     * @param seen what the host shows now
     * @return the verdict
     */
    public static Verdict judge(InterfaceSnapshot snap, Observation seen) {
        switch (seen.namespace()) {
            case GONE:
                return Verdict.NAMESPACE_GONE;
            case REPLACED:
                return Verdict.NAMESPACE_REPLACED;
            case UNKNOWN:
                return Verdict.UNKNOWN;
            case SAME:
                break;
            default:
                throw new AssertionError(seen.namespace());
        }
        LiveLink live = seen.link();
        if (live == null) {
            Parent p = seen.parent();
            if (p instanceof Parent.Unknown) {
                return Verdict.UNKNOWN;
            }
            if (p instanceof Parent.At at) {
                return at.index() == snap.parentIndex() ? Verdict.DELETED_ON_PURPOSE : Verdict.LOST;
            }
            return Verdict.WAITING_FOR_PARENT;
        }
        if (live.ifindex() == snap.ifindex()) {
            if (live.settings() == null
                    || live.settings().getClass() != snap.kind().getClass()) {
                return Verdict.CONFLICT; // one link cannot change its kind: this is someone else's
            }
            // A dying link is first set down, then loses its IPv6 addresses and routes, then disappears; a look in
            // between must not shrink the snapshot. A link that stays down over two looks was set down on purpose.
            boolean transitional = live.hostParent() == null || (snap.up() && !live.up() && !seen.downSeenBefore());
            return transitional ? Verdict.SETTLING : Verdict.PRESENT;
        }
        // An ipvlan shares its parent's MAC (a parent that came back may have another): its kind, mode, flag and
        // parent identify it; a macvlan also needs its own MAC.
        if (!snap.kind().equals(live.settings())
                || (!snap.isIpvlan() && !snap.mac().equals(live.mac()))) {
            return Verdict.CONFLICT;
        }
        if (live.hostParent() == null) {
            return Verdict.SETTLING;
        }
        return snap.parent().name().equals(live.hostParent()) ? Verdict.RECREATED : Verdict.CONFLICT;
    }
}
