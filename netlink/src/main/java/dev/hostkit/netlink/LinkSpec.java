package dev.hostkit.netlink;

import dev.hostkit.core.NetNamespace;

import java.util.Objects;

/**
 * What to create with {@link RtNetlink#createLink}: name, kind, parent, and optional MTU, MAC, state and
 * target namespace. Immutable; every value is checked when the spec is made, so a bad one fails before
 * anything reaches the kernel.
 *
 * @param name the final name (in the target namespace)
 * @param kind the kind; for veth the peer name is required
 * @param parentIndex the parent's ifindex in the handle's namespace (macvlan, ipvlan, VLAN), else 0
 * @param mtu the MTU, or 0 for the kernel's choice
 * @param mac the MAC, or {@code null} for a random one (ipvlan: always {@code null}, it shares the parent's)
 * @param bringUp whether the link is brought up on create
 * @param namespace where the link is created, or {@code null} for the handle's namespace; not closed by hostkit
 */
public record LinkSpec(
        String name, LinkKind kind, int parentIndex, int mtu, MacAddress mac, boolean bringUp, NetNamespace namespace) {
    /** Smallest MTU accepted here (the IPv4 minimum). */
    public static final int MIN_MTU = 68;
    /** Largest MTU accepted here (the loopback maximum). */
    public static final int MAX_MTU = 65536;

    /** @throws IllegalArgumentException for an invalid name, MTU, missing parent or peer, a MAC on ipvlan, or closed namespace */
    public LinkSpec {
        LinkNames.check(name);
        Objects.requireNonNull(kind, "kind");
        if ((kind instanceof LinkKind.Macvlan || kind instanceof LinkKind.Ipvlan || kind instanceof LinkKind.Vlan)
                && parentIndex <= 0) {
            throw new IllegalArgumentException(
                    kind.kindName() + " link '" + name + "' needs a parent link (index > 0), was " + parentIndex);
        }
        if (parentIndex < 0) {
            throw new IllegalArgumentException("parent index must not be negative, was " + parentIndex);
        }
        if (kind instanceof LinkKind.Ipvlan && mac != null) {
            throw new IllegalArgumentException(
                    "ipvlan link '" + name + "' shares its parent's MAC; it cannot be given " + mac);
        }
        if (kind instanceof LinkKind.Veth v) {
            if (v.peerName() == null) {
                throw new IllegalArgumentException("veth link '" + name + "' needs a peer name");
            }
            LinkNames.check(v.peerName());
            if (v.peerNamespace() != null && v.peerNamespace().isClosed()) {
                throw new IllegalArgumentException("peer namespace of veth '" + name + "' is closed: "
                        + v.peerNamespace().path());
            }
        }
        if (kind instanceof LinkKind.Generic g && g.kind().isEmpty()) {
            throw new IllegalArgumentException("link '" + name + "' needs a kind");
        }
        checkMtu(mtu, name);
        if (namespace != null && namespace.isClosed()) {
            throw new IllegalArgumentException("target namespace of '" + name + "' is closed: " + namespace.path());
        }
    }

    static void checkMtu(int mtu, String name) {
        if (mtu != 0 && (mtu < MIN_MTU || mtu > MAX_MTU)) {
            throw new IllegalArgumentException(
                    "MTU of '" + name + "' must be in " + MIN_MTU + ".." + MAX_MTU + ", was " + mtu);
        }
    }

    /**
     * A macvlan on {@code parentIndex}.
     *
     * @param name the name
     * @param parentIndex the parent's ifindex in the handle's namespace
     * @param mode the mode
     * @return the spec (down, in the handle's namespace)
     */
    public static LinkSpec macvlan(String name, int parentIndex, MacvlanMode mode) {
        return new LinkSpec(name, new LinkKind.Macvlan(mode), parentIndex, 0, null, false, null);
    }

    /**
     * An ipvlan on {@code parentIndex}; with {@link #inNamespace} it is created directly inside the target namespace,
     * as a macvlan is.
     *
     * @param name the name
     * @param parentIndex the parent's ifindex in the handle's namespace
     * @param mode L2, L3 or L3S
     * @param flag bridge, private or VEPA
     * @return the spec (down, in the handle's namespace)
     */
    public static LinkSpec ipvlan(String name, int parentIndex, IpvlanMode mode, IpvlanFlag flag) {
        return new LinkSpec(name, new LinkKind.Ipvlan(mode, flag), parentIndex, 0, null, false, null);
    }

    /**
     * A VLAN on {@code parentIndex}.
     *
     * @param name the name
     * @param parentIndex the parent's ifindex
     * @param id VLAN id 1..4094
     * @param protocol 802.1Q or 802.1ad
     * @return the spec
     */
    public static LinkSpec vlan(String name, int parentIndex, int id, VlanProtocol protocol) {
        return new LinkSpec(name, new LinkKind.Vlan(id, protocol), parentIndex, 0, null, false, null);
    }

    /**
     * A veth pair.
     *
     * @param name this end's name
     * @param peerName the other end's name
     * @param peerNamespace where the peer is created, or {@code null}
     * @return the spec
     */
    public static LinkSpec veth(String name, String peerName, NetNamespace peerNamespace) {
        return new LinkSpec(name, new LinkKind.Veth(peerName, peerNamespace), 0, 0, null, false, null);
    }

    /** With an MTU. @param m the MTU @return a copy */
    public LinkSpec withMtu(int m) {
        return new LinkSpec(name, kind, parentIndex, m, mac, bringUp, namespace);
    }

    /** With a MAC. @param m the address @return a copy */
    public LinkSpec withMac(MacAddress m) {
        return new LinkSpec(name, kind, parentIndex, mtu, m, bringUp, namespace);
    }

    /** Brought up on create. @return a copy */
    public LinkSpec up() {
        return new LinkSpec(name, kind, parentIndex, mtu, mac, true, namespace);
    }

    /** Created directly inside {@code ns}. @param ns the target namespace @return a copy */
    public LinkSpec inNamespace(NetNamespace ns) {
        return new LinkSpec(name, kind, parentIndex, mtu, mac, bringUp, ns);
    }

    /** With another name. @param n the name @return a copy */
    public LinkSpec named(String n) {
        return new LinkSpec(n, kind, parentIndex, mtu, mac, bringUp, namespace);
    }
}
