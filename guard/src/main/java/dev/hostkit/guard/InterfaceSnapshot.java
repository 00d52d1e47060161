package dev.hostkit.guard;

import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.LinkNames;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.NextHop;
import dev.hostkit.netlink.Route;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to put one macvlan or ipvlan interface back into its namespace as it was: where it lives, its link
 * settings, its parent by name, its addresses and the routes through it. Immutable; a newer observation
 * replaces it whole.
 *
 * @param namespace the namespace identity and how to reopen it
 * @param ifindex the interface index when observed (a different index later means the link was recreated)
 * @param name the interface name inside the namespace
 * @param mac the MAC address (an ipvlan's is its parent's: recorded, never used to recreate or recognise it)
 * @param mtu the MTU
 * @param kind what it is: {@link LinkKind.Macvlan} (mode) or {@link LinkKind.Ipvlan} (mode and flag)
 * @param up whether the interface was administratively up
 * @param parent the host-side parent, by name
 * @param parentIndex the parent's index when observed: a parent that comes back gets a new one, so a missing interface
 *                    whose parent still has this index was deleted on purpose, not lost with its parent
 * @param addresses the addresses, in the order listed (their link index is {@code ifindex}); learnt IPv6 addresses
 *                  (SLAAC, privacy: no {@code IFA_F_PERMANENT}) are left out, router advertisements bring them back
 * @param routes the routes out of the interface, in the order listed, any table; kernel-made routes (protocol kernel,
 *               local and broadcast types) are left out because the kernel makes them again with the addresses
 * @param takenAtMillis when it was observed (epoch millis)
 * @param hopLinks the names of the other links the multipath routes' next hops leave through, by their index when
 *                 observed: a restore maps each hop to the link by that name now (a guarded sibling gets a new index)
 */
public record InterfaceSnapshot(
        NamespaceRef namespace,
        int ifindex,
        String name,
        MacAddress mac,
        int mtu,
        LinkKind kind,
        boolean up,
        HostParent parent,
        int parentIndex,
        List<Address> addresses,
        List<Route> routes,
        long takenAtMillis,
        Map<Integer, String> hopLinks) {
    /** Validates the fields and copies the lists. */
    public InterfaceSnapshot {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(name, "name");
        LinkNames.check(name);
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(kind, "kind");
        if (!(kind instanceof LinkKind.Macvlan) && !(kind instanceof LinkKind.Ipvlan)) {
            throw new IllegalArgumentException(
                    "only macvlan and ipvlan interfaces are guarded, not " + kind.kindName());
        }
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("MTU out of range 68..65535: " + mtu);
        }
        if (ifindex < 0 || parentIndex < 0) {
            throw new IllegalArgumentException(
                    "ifindex and parent index must not be negative: " + ifindex + ", " + parentIndex);
        }
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
        hopLinks = Map.copyOf(hopLinks);
    }

    /**
     * A snapshot without multipath routes through other links.
     *
     * @param namespace the namespace identity
     * @param ifindex the interface index
     * @param name the name
     * @param mac the MAC
     * @param mtu the MTU
     * @param kind macvlan or ipvlan, with its settings
     * @param up administratively up
     * @param parent the host parent
     * @param parentIndex the parent's index
     * @param addresses the addresses
     * @param routes the routes
     * @param takenAtMillis when it was observed
     */
    public InterfaceSnapshot(
            NamespaceRef namespace,
            int ifindex,
            String name,
            MacAddress mac,
            int mtu,
            LinkKind kind,
            boolean up,
            HostParent parent,
            int parentIndex,
            List<Address> addresses,
            List<Route> routes,
            long takenAtMillis) {
        this(
                namespace,
                ifindex,
                name,
                mac,
                mtu,
                kind,
                up,
                parent,
                parentIndex,
                addresses,
                routes,
                takenAtMillis,
                Map.of());
    }

    /**
     * A macvlan's snapshot.
     *
     * @param namespace the namespace identity
     * @param ifindex the interface index
     * @param name the name
     * @param mac the MAC
     * @param mtu the MTU
     * @param mode the macvlan mode
     * @param up administratively up
     * @param parent the host parent
     * @param parentIndex the parent's index
     * @param addresses the addresses
     * @param routes the routes
     * @param takenAtMillis when it was observed
     */
    public InterfaceSnapshot(
            NamespaceRef namespace,
            int ifindex,
            String name,
            MacAddress mac,
            int mtu,
            MacvlanMode mode,
            boolean up,
            HostParent parent,
            int parentIndex,
            List<Address> addresses,
            List<Route> routes,
            long takenAtMillis) {
        this(
                namespace,
                ifindex,
                name,
                mac,
                mtu,
                new LinkKind.Macvlan(Objects.requireNonNull(mode, "mode")),
                up,
                parent,
                parentIndex,
                addresses,
                routes,
                takenAtMillis);
    }

    /** The macvlan mode, {@code null} for an ipvlan. */
    public MacvlanMode mode() {
        return kind instanceof LinkKind.Macvlan m ? m.mode() : null;
    }

    /** Whether it is an ipvlan: it shares its parent's MAC, so the MAC never identifies it. */
    public boolean isIpvlan() {
        return kind instanceof LinkKind.Ipvlan;
    }

    /** The kind and its settings as {@code ip} names them: {@code macvlan bridge}, {@code ipvlan l2 bridge}. */
    public String kindText() {
        return kind instanceof LinkKind.Ipvlan i
                ? "ipvlan " + i.mode().ipName() + " " + i.flag().ipName()
                : "macvlan " + mode().ipName();
    }

    /** The same interface observed later with the given (new) namespace path, index and time. */
    public InterfaceSnapshot withNamespace(NamespaceRef ns) {
        return new InterfaceSnapshot(
                ns, ifindex, name, mac, mtu, kind, up, parent, parentIndex, addresses, routes, takenAtMillis, hopLinks);
    }

    /** The same settings recreated under a new index on a parent with a new index. */
    public InterfaceSnapshot recreated(int newIndex, int newParentIndex, long atMillis) {
        // A multipath route's own next hops name this link by index: they move with it (other hops go by hopLinks).
        List<Route> moved = new ArrayList<>(routes.size());
        for (Route r : routes) {
            if (r.isMultipath() && newIndex != ifindex) {
                List<NextHop> hops = new ArrayList<>();
                r.nextHops().forEach(h -> hops.add(h.outputIndex() == ifindex ? h.withOutputIndex(newIndex) : h));
                r = r.withNextHops(hops);
            }
            moved.add(r);
        }
        return new InterfaceSnapshot(
                namespace,
                newIndex,
                name,
                mac,
                mtu,
                kind,
                up,
                parent,
                newParentIndex,
                addresses,
                moved,
                atMillis,
                hopLinks);
    }

    /** True when the link settings (not addresses, routes, index or time) equal the other snapshot's. */
    public boolean sameLinkSettings(InterfaceSnapshot o) {
        return name.equals(o.name)
                && mac.equals(o.mac)
                && mtu == o.mtu
                && kind.equals(o.kind)
                && up == o.up
                && parent.equals(o.parent);
    }

    /** True when everything but the observation time equals the other snapshot (nothing new to persist). */
    public boolean sameContent(InterfaceSnapshot o) {
        return sameLinkSettings(o)
                && ifindex == o.ifindex
                && parentIndex == o.parentIndex
                && addresses.equals(o.addresses)
                && routes.equals(o.routes)
                && hopLinks.equals(o.hopLinks)
                && namespace.id().equals(o.namespace.id())
                && namespace.cookie() == o.namespace.cookie();
    }
}
