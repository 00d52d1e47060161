package dev.hostkit.guard;

import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.NextHop;
import dev.hostkit.netlink.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns what the kernel shows inside a namespace into the guardian's values: which links are guardable, a link's
 * snapshot, and the {@link Observation.LiveLink} the verdict is judged on. Pure functions over dumps.
 */
final class LiveLinks {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);
    private static final int RTPROT_RA = 9;

    private LiveLinks() {}

    /** Whether {@code l} is a kind the guardian keeps: a macvlan or an ipvlan. */
    static boolean isGuardedKind(Link l) {
        return l.kind() instanceof LinkKind.Macvlan || l.kind() instanceof LinkKind.Ipvlan;
    }

    /** Macvlans and ipvlans on a host parent in scope, temporaries left out. */
    static List<Link> guardable(GuardContext ctx, GuardNet.Ns ns, List<Link> links, GuardNet.HostLinks hostLinks) {
        List<Link> out = new ArrayList<>();
        for (Link l : links) {
            if (isGuardedKind(l)
                    && ns.parentInHost(l)
                    && !GuardNet.TEMP_NAME.matcher(l.name()).matches()) {
                String parent = hostLinks.nameOf(l.parentIndex());
                if (parent != null && ctx.inScope(parent)) {
                    out.add(l);
                }
            }
        }
        return out;
    }

    /** The link as the verdict sees it; {@code hostLinks} may be null when {@code l} has no host parent to name. */
    static Observation.LiveLink observed(GuardNet.Ns ns, Link l, GuardNet.HostLinks hostLinks) {
        String parent = ns.parentInHost(l) && hostLinks != null ? hostLinks.nameOf(l.parentIndex()) : null;
        return new Observation.LiveLink(
                l.index(),
                l.mac(),
                l.kind().kindName(),
                l.macvlanMode().orElse(null),
                l.isUp(),
                parent,
                isGuardedKind(l) ? l.kind() : null);
    }

    static InterfaceSnapshot snapshotOf(NamespaceRef ref, Link l, GuardNet.HostLinks hostLinks, GuardNet.NsView view) {
        List<Address> addrs = new ArrayList<>();
        for (Address a : view.addresses()) {
            // IPv6 addresses without IFA_F_PERMANENT were learnt (SLAAC, privacy): router advertisements bring them
            // back
            // with their real lifetimes; restoring them would make them permanent.
            boolean learnt = a.family() == AddressFamily.INET6 && !a.has(AddressFlag.PERMANENT);
            if (a.linkIndex() == l.index() && !learnt) {
                addrs.add(a);
            }
        }
        List<Route> routes = new ArrayList<>();
        Map<Integer, String> hopLinks = new HashMap<>();
        for (Route r : view.routes()) {
            if (r.usesLink(l.index()) && snapshotKeeps(r)) {
                routes.add(r);
                for (NextHop h : r.nextHops()) {
                    String other = nameOf(view.links(), h.outputIndex());
                    if (h.outputIndex() != l.index() && other != null) {
                        hopLinks.put(h.outputIndex(), other);
                    }
                }
            }
        }
        return new InterfaceSnapshot(
                ref,
                l.index(),
                l.name(),
                l.mac(),
                l.mtu(),
                l.kind(),
                l.isUp(),
                hostParentOf(l.parentIndex(), hostLinks),
                l.parentIndex(),
                addrs,
                routes,
                System.currentTimeMillis(),
                hopLinks);
    }

    /** Whether a snapshot keeps a route through its link: unicast, made by neither the kernel nor a router's advert. */
    static boolean snapshotKeeps(Route r) {
        return r.type() == Route.TYPE_UNICAST && r.protocol() != Route.PROTOCOL_KERNEL && r.protocol() != RTPROT_RA;
    }

    private static String nameOf(List<Link> links, int index) {
        for (Link k : links) {
            if (k.index() == index) {
                return k.name();
            }
        }
        return null;
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

    /**
     * Deletes this guardian's temporary links left from a repair it did not finish (it died in the middle): only
     * macvlans and ipvlans named with this guardian's tag whose parent is a host link in scope. Another guardian's temporaries
     * (another tag, or a parent outside this one's scope) may be its repair in flight and are left alone.
     */
    static void cleanTemporaries(GuardContext ctx, GuardNet.Ns ns, List<Link> links, GuardNet.HostLinks hostLinks) {
        for (Link l : links) {
            if (isGuardedKind(l) && GuardNet.isTemporaryOf(ctx.tempTag, l.name()) && ns.parentInHost(l)) {
                String parent = hostLinks.nameOf(l.parentIndex());
                if (parent != null && ctx.inScope(parent)) {
                    RuntimeException left = ns.delete(l.index());
                    if (left != null) {
                        log.warn(
                                "guardian: cannot remove leftover temporary link {} in {}: {}",
                                l.name(),
                                ns.id(),
                                left.toString());
                    }
                }
            }
        }
    }
}
