package dev.hostkit.guard;

import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;

/**
 * The guardian's level-triggered decision for one snapshot, from what is observed now: a pure function, so the
 * whole state machine is tested without a kernel. The guardian carries the decision out.
 */
final class ReconcileStep {
    private ReconcileStep() {
    }

    /** Whether the snapshot's namespace is still the one it was taken in. */
    enum NsStatus {
        /** Same identity (device, inode, cookie). */
        SAME,
        /** Nothing by that identity exists any more: the container exited. */
        GONE,
        /** The path now leads to another namespace: the container restarted. */
        REPLACED
    }

    /**
     * The link now carrying the snapshot's name inside the namespace.
     *
     * @param ifindex its index
     * @param mac its MAC
     * @param mtu its MTU
     * @param mode its macvlan mode, {@code null} when it is not a macvlan
     * @param up administratively up
     * @param hostParent the name of its parent in the host namespace, {@code null} when it has none there or the
     *                   parent index no longer resolves (the parent is being torn down)
     */
    record LiveLink(int ifindex, MacAddress mac, int mtu, MacvlanMode mode, boolean up, String hostParent) {
    }

    /** What to do. */
    enum Action {
        /** The link is the snapshot's link: take its current settings, addresses and routes as the new snapshot. */
        REFRESH,
        /** The link looks half torn down (down, or its parent unresolvable): keep the snapshot as it is, look again later. */
        HOLD,
        /** The link is missing and so is its parent: nothing can be done until the parent returns. */
        WAIT_FOR_PARENT,
        /** The link is missing and its parent came back (a new parent index): recreate it. */
        REPAIR,
        /**
         * The link is missing but its parent never left (same index): someone deleted it on purpose (a CNI {@code DEL},
         * an operator). Forget it rather than fight them.
         */
        RETIRE,
        /** A recreated link (new index, same MAC, mode, parent) that may lack addresses or routes: finish it. */
        COMPLETE,
        /** Another link has the name: report and leave it alone. */
        CONFLICT,
        /** The namespace is gone or replaced: forget the snapshot, write nothing. */
        DROP
    }

    /**
     * Decides.
     *
     * @param snap the snapshot
     * @param ns the namespace's status
     * @param live the link by the snapshot's name, {@code null} when there is none
     * @param parentIndexNow the index of the host link with the parent's name now, 0 when there is none
     * @param downSeenBefore whether the previous look already found this link down while the snapshot says up
     * @return the action
     */
    static Action decide(InterfaceSnapshot snap, NsStatus ns, LiveLink live, int parentIndexNow, boolean downSeenBefore) {
        if (ns != NsStatus.SAME) {
            return Action.DROP;
        }
        if (live == null) {
            if (parentIndexNow == 0) {
                return Action.WAIT_FOR_PARENT;
            }
            return parentIndexNow == snap.parentIndex() ? Action.RETIRE : Action.REPAIR;
        }
        if (live.ifindex() == snap.ifindex()) {
            if (live.mode() == null) {
                // Same index but no longer a macvlan cannot happen to one link; treat it as someone else's.
                return Action.CONFLICT;
            }
            // A dying link is first set down, then loses its IPv6 addresses and routes, then disappears; a look in
            // between must not shrink the snapshot. A link that stays down over two looks was set down on purpose.
            boolean transitional = live.hostParent() == null || (snap.up() && !live.up() && !downSeenBefore);
            return transitional ? Action.HOLD : Action.REFRESH;
        }
        if (live.mode() != snap.mode() || !live.mac().equals(snap.mac())) {
            return Action.CONFLICT;
        }
        if (live.hostParent() == null) {
            return Action.HOLD;
        }
        return snap.parent().name().equals(live.hostParent()) ? Action.COMPLETE : Action.CONFLICT;
    }
}
