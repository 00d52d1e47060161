package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

import java.util.Objects;

/**
 * A network link (interface) as the kernel reported it in one {@code RTM_NEWLINK} message.
 * Immutable; absent numbers are 0 (indexes) or -1 ({@link #linkNetnsId()}), an absent MAC is {@code null}.
 *
 * @param index the ifindex
 * @param name the interface name
 * @param flags {@code IFF_*} flags ({@link #isUp()} and friends read them)
 * @param operState the operational state
 * @param mtu the MTU
 * @param mac the hardware address when it is 6 bytes long, else {@code null}
 * @param parentIndex {@code IFLA_LINK}: the parent (macvlan, VLAN) or peer (veth) index, 0 when none
 * @param linkNetnsId {@code IFLA_LINK_NETNSID}: the nsid of the namespace the parent lives in, -1 when it is local
 * @param masterIndex {@code IFLA_MASTER}, 0 when none
 * @param kind the kind with its typed data
 * @param otherAttributes attributes hostkit did not interpret, raw
 */
public record Link(
        int index,
        String name,
        int flags,
        OperState operState,
        int mtu,
        MacAddress mac,
        int parentIndex,
        int linkNetnsId,
        int masterIndex,
        LinkKind kind,
        RawAttributes otherAttributes) {
    /** @throws NullPointerException for a null name, state, kind or attributes */
    public Link {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(operState, "operState");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(otherAttributes, "otherAttributes");
    }

    /** Administratively up ({@code IFF_UP}). */
    public boolean isUp() {
        return (flags & RtnlConstants.IFF_UP) != 0;
    }

    /** Carrier present ({@code IFF_LOWER_UP}). */
    public boolean hasCarrier() {
        return (flags & RtnlConstants.IFF_LOWER_UP) != 0;
    }

    /** The loopback device ({@code IFF_LOOPBACK}). */
    public boolean isLoopback() {
        return (flags & RtnlConstants.IFF_LOOPBACK) != 0;
    }

    /** The macvlan mode when this is a macvlan. */
    public java.util.Optional<MacvlanMode> macvlanMode() {
        return kind instanceof LinkKind.Macvlan m ? java.util.Optional.of(m.mode()) : java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return index + ": " + name + (parentIndex != 0 ? "@" + parentIndex : "") + " " + kind.kindName()
                + " mtu " + mtu + (mac != null ? " " + mac : "") + (isUp() ? " UP" : "") + " " + operState
                + (linkNetnsId >= 0 ? " link-netnsid " + linkNetnsId : "");
    }
}
