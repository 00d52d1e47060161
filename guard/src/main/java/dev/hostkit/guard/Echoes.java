package dev.hostkit.guard;

import dev.hostkit.guard.Guarded.Tracked;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.NetlinkEvent;
import dev.hostkit.netlink.Route;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells a namespace's burst of events that only echoes its snapshots (the lost link going with its parent, then
 * what a repair put back: the link, its addresses and routes, and what the kernel adds by itself) from one that may
 * show a change. Pure: judged against the snapshots alone, so a burst the guardian caused is not looked at again,
 * while anything else is: a guarded link, address or route removed or differing from its snapshot in anything a look
 * would keep, a link or a new address or route elsewhere, a multipath route, a lost or overlong burst. Where unsure
 * it says "look".
 */
final class Echoes {
    private Echoes() {}

    /**
     * Whether every event of {@code burst} shows what {@code g}'s snapshots hold already, so that a look now would find
     * nothing to change. False for a null (unknown) or empty burst and while any interface is missing, in conflict or
     * seen down. Holds {@code g.lock}.
     */
    static boolean onlyEchoes(Guarded g, List<NetlinkEvent> burst) {
        if (burst == null || burst.isEmpty() || g.ifaces.isEmpty()) {
            return false;
        }
        for (Tracked t : g.ifaces.values()) {
            if (t.missing || t.conflict || t.downSeen) {
                return false;
            }
        }
        // A link's events in a burst are states it passed through (a repair's link is made down under a temporary
        // name, renamed, set up): a look sees only the last, so only the last of each link is judged.
        Map<Integer, NetlinkEvent.LinkEvent> lastOfLink = new HashMap<>();
        for (NetlinkEvent e : burst) {
            boolean echo;
            if (e instanceof NetlinkEvent.LinkEvent l) {
                lastOfLink.put(l.link().index(), l);
                echo = true;
            } else if (e instanceof NetlinkEvent.AddressEvent a) {
                // A removal is an echo only off every guarded link: the lost link's, which went with its parent.
                echo = a.removed() ? byIndex(g, a.address().linkIndex()) == null : addressEcho(g, a.address());
            } else if (e instanceof NetlinkEvent.RouteEvent r) {
                echo = r.removed()
                        ? !r.route().isMultipath() && byIndex(g, r.route().outputIndex()) == null
                        : routeEcho(g, r.route());
            } else {
                echo = false; // lost events or a failed subscription: anything may have changed
            }
            if (!echo) {
                return false;
            }
        }
        for (NetlinkEvent.LinkEvent l : lastOfLink.values()) {
            boolean echo = l.removed() ? byIndex(g, l.link().index()) == null : linkEcho(g, l.link());
            if (!echo) {
                return false;
            }
        }
        return true;
    }

    // A link as its snapshot has it (same index, so the same link; same name, MAC, MTU, kind, flags, parent). Its
    // operational state (carrier) may differ: a look keeps none of it.
    private static boolean linkEcho(Guarded g, Link l) {
        Tracked t = byIndex(g, l.index());
        if (t == null) {
            return false;
        }
        InterfaceSnapshot s = t.snap;
        return l.name().equals(s.name())
                && l.mac().equals(s.mac())
                && l.mtu() == s.mtu()
                && l.kind().equals(s.kind())
                && l.isUp() == s.up()
                && l.parentIndex() == s.parentIndex();
    }

    // An address of a guarded link that its snapshot holds as a repair would send it (the snapshot's addresses may
    // still carry the index the link had before its repair; flags that only say the kernel's state of the address
    // are not restored and do not count), or one a look leaves out (learnt IPv6).
    private static boolean addressEcho(Guarded g, Address a) {
        Tracked t = byIndex(g, a.linkIndex());
        if (t == null) {
            return false;
        }
        if (a.family() == AddressFamily.INET6 && !a.has(AddressFlag.PERMANENT)) {
            return true; // learnt: never in a snapshot (LiveLinks.snapshotOf)
        }
        Address seen = Repairer.restored(a, 0);
        for (Address held : t.snap.addresses()) {
            if (Repairer.restored(held, 0).equals(seen)) {
                return true;
            }
        }
        return false;
    }

    // A single-path route through a guarded link that its snapshot holds as a repair would send it (flags other than
    // onlink are the kernel's state of the route), or one a look leaves out (the kernel's,
    // router advertisements', not unicast). Multipath routes are always looked at.
    private static boolean routeEcho(Guarded g, Route r) {
        if (r.isMultipath()) {
            return false;
        }
        Tracked t = byIndex(g, r.outputIndex());
        if (t == null) {
            return false;
        }
        if (!LiveLinks.snapshotKeeps(r)) {
            return true;
        }
        Route seen = Repairer.restored(r, 0);
        for (Route held : t.snap.routes()) {
            if (!held.isMultipath() && Repairer.restored(held, 0).equals(seen)) {
                return true;
            }
        }
        return false;
    }

    private static Tracked byIndex(Guarded g, int index) {
        for (Tracked t : g.ifaces.values()) {
            if (t.snap.ifindex() == index) {
                return t;
            }
        }
        return null;
    }
}
