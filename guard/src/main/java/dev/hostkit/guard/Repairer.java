package dev.hostkit.guard;

import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.NextHop;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.internal.RtnlConstants;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts one interface back into its namespace: recreates the link (macvlan: MAC, MTU, mode; ipvlan: MTU, mode, flag; on its parent), its addresses and
 * its routes, or finishes a link recreated half way. A failed recreation deletes the new link; when that delete fails
 * too, the error says what is left. Refuses, by identity, to act in the host's own namespace whatever led there.
 */
final class Repairer {
    /** Address flags worth restoring; the rest describe the kernel's state of the address (tentative, deprecated, ...). */
    private static final int RESTORABLE_ADDRESS_FLAGS = AddressFlag.mask(
            AddressFlag.NODAD,
            AddressFlag.HOMEADDRESS,
            AddressFlag.MANAGETEMPADDR,
            AddressFlag.NOPREFIXROUTE,
            AddressFlag.MCAUTOJOIN);

    /** The namespace opened for a repair is the host's own: nothing was done. */
    static final class HostNamespaceException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HostNamespaceException(String message) {
            super(message);
        }
    }

    /** What a repair left: the link's index and how many of its addresses are being announced. */
    record Repaired(int index, int announced) {}

    private final GuardContext ctx;
    private final Announcer announcer;

    Repairer(GuardContext ctx) {
        this(ctx, new Announcer(Announcement.OFF));
    }

    Repairer(GuardContext ctx, Announcer announcer) {
        this.ctx = ctx;
        this.announcer = announcer;
    }

    /**
     * Creates the interface again: in one request under this guardian's temporary name directly inside the
     * namespace, renamed, addresses (IPv6 without DAD) before it comes up so the kernel's own link-local does not
     * start a DAD round, up, then routes, then the first round of announcements. Any failure before the
     * announcements deletes the new link.
     *
     * @return the new ifindex and the addresses announced
     * @throws HostNamespaceException when {@code ns} is the host's own namespace
     * @throws GuardNet.NameTakenException when the name was taken meanwhile
     */
    Repaired recreate(GuardNet.Ns ns, InterfaceSnapshot s, int parentIndex) {
        refuseHost(ns, s);
        Link made = ctx.host.createChild(ns, s, GuardNet.temporaryName(ctx.tempTag), parentIndex);
        int index = made.index();
        List<Address> addrs;
        try {
            addrs = restoreAddressesAndRoutes(ns, s, index, true);
        } catch (RuntimeException e) {
            RuntimeException left = ns.delete(index);
            if (left != null) {
                e.addSuppressed(left);
                throw new IllegalStateException(
                        e.getMessage() + "; rolling back failed too, '" + s.name() + "' (index " + index
                                + ") is left half made in " + s.namespace() + ": " + left.getMessage(),
                        e);
            }
            throw e;
        }
        return new Repaired(index, s.up() ? announcer.announce(ns.namespace(), made, addrs) : 0);
    }

    /** Finishes a link recreated earlier (by a guardian that stopped half way): settings, addresses, routes, announcements. */
    Repaired complete(GuardNet.Ns ns, InterfaceSnapshot s, Link live) {
        refuseHost(ns, s);
        if (live.mtu() != s.mtu()) {
            ns.setMtu(live.index(), s.mtu());
        }
        List<Address> addrs = restoreAddressesAndRoutes(ns, s, live.index(), !live.isUp());
        boolean up = live.isUp() || s.up();
        return new Repaired(live.index(), up ? announcer.announce(ns.namespace(), live, addrs) : 0);
    }

    // The last check before anything is written: by the identity of the namespace actually opened, not by any path.
    private void refuseHost(GuardNet.Ns ns, InterfaceSnapshot s) {
        if (ctx.isHost(ns.id(), ns.cookie())) {
            throw new HostNamespaceException("refusing to repair '" + s.name() + "': " + s.namespace()
                    + " leads to the host's own network namespace");
        }
    }

    /**
     * A multipath route's next hops mapped to the links now in the namespace: this link's to {@code index}, the others'
     * by the name they had. {@code null} while a hop's link is missing (a guarded sibling not yet recreated): the
     * sibling's own repair, whose snapshot holds the same route, puts it back once every hop's link exists.
     */
    private static List<NextHop> hopsNow(GuardNet.Ns ns, InterfaceSnapshot s, Route r, int index) {
        List<NextHop> hops = new ArrayList<>();
        for (NextHop h : r.nextHops()) {
            if (h.outputIndex() == s.ifindex() || h.outputIndex() == 0) {
                hops.add(h.outputIndex() == 0 ? h : h.withOutputIndex(index));
                continue;
            }
            String name = s.hopLinks().get(h.outputIndex());
            Link other = name == null ? null : ns.link(name).orElse(null);
            if (other == null) {
                return null;
            }
            hops.add(h.withOutputIndex(other.index()));
        }
        return hops;
    }

    /** {@code a} as a repair sends it for the link at {@code index}: its restorable flags, IPv6 without DAD. */
    static Address restored(Address a, int index) {
        int flags = a.flags() & RESTORABLE_ADDRESS_FLAGS;
        if (a.family() == AddressFamily.INET6) {
            flags |= AddressFlag.NODAD.bit(); // the address was ours already: no new duplicate-address wait
        }
        return new Address(index, a.address(), a.prefixLength(), a.peer(), a.broadcast(), a.scope(), flags, a.label());
    }

    /** Single-path {@code r} as a repair sends it through the link at {@code index}. */
    static Route restored(Route r, int index) {
        // A nexthop object (RTA_NH_ID) went with the device: the reported gateway and link are sent instead.
        return new Route(
                r.family(),
                r.destination(),
                r.destinationPrefix(),
                r.gateway(),
                index,
                r.table(),
                r.priority(),
                r.scope(),
                r.protocol(),
                r.type(),
                r.flags() & RtnlConstants.RTNH_F_ONLINK,
                r.preferredSource());
    }

    /** Restores the snapshot's addresses (returned as sent: non-tentative, IPv6 without DAD) and routes. */
    private static List<Address> restoreAddressesAndRoutes(
            GuardNet.Ns ns, InterfaceSnapshot s, int index, boolean bringUp) {
        List<Address> addrs = new ArrayList<>();
        for (Address a : s.addresses()) {
            addrs.add(restored(a, index));
        }
        List<Route> routes = new ArrayList<>();
        List<Route> multipath = new ArrayList<>();
        for (Route r : s.routes()) {
            if (!r.isMultipath()) {
                routes.add(restored(r, index));
                continue;
            }
            List<NextHop> hops = hopsNow(ns, s, r, index);
            if (hops != null) {
                multipath.add(new Route(
                        r.family(),
                        r.destination(),
                        r.destinationPrefix(),
                        null,
                        0,
                        r.table(),
                        r.priority(),
                        r.scope(),
                        r.protocol(),
                        r.type(),
                        r.flags() & RtnlConstants.RTNH_F_ONLINK,
                        r.preferredSource(),
                        hops,
                        0));
            }
        }
        // Addresses, up, single-path routes: one round trip instead of three.
        ns.addAddressesUpAndRoutes(addrs, bringUp && s.up() ? index : 0, routes);
        // Replace, not add: IPv6 keeps the surviving hops of a route whose other hops' link went; the whole route is
        // put back.
        ns.replaceRoutes(multipath);
        return addrs;
    }
}
