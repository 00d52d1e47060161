package dev.hostkit.guard;

import dev.hostkit.netlink.LinkNames;
import dev.hostkit.netlink.VlanProtocol;

import java.util.Objects;

/**
 * The host-side link a guarded interface hangs from, remembered by name (its index changes when it comes back).
 * Sealed: a parent is either one others bring back, or a VLAN the guardian can recreate on its lower device.
 */
public sealed interface HostParent {
    /** The parent's interface name in the host namespace. */
    String name();

    /**
     * A parent that others bring back (a NIC whose driver reloads, a bond): the guardian waits for it.
     *
     * @param name the interface name
     */
    record Existing(String name) implements HostParent {
        /** Validates the name. */
        public Existing {
            LinkNames.check(name);
        }
    }

    /**
     * A VLAN parent ({@code eth0.3}: VLAN 3 on {@code eth0}). A driver reload deletes it with its lower device, and
     * nothing may create it again; with {@link MacvlanGuardian.Builder#recreateVlanParents(boolean)} on, the guardian
     * recreates it (same name, id and protocol, up) as soon as the lower device is back, then repairs its macvlans.
     *
     * @param name the VLAN interface name
     * @param lower the lower device's name
     * @param id the VLAN id, 1..4094
     * @param protocol 802.1Q or 802.1ad
     */
    record Vlan(String name, String lower, int id, VlanProtocol protocol) implements HostParent {
        /** Validates the names and the id. */
        public Vlan {
            LinkNames.check(name);
            LinkNames.check(lower);
            if (id < 1 || id > 4094) {
                throw new IllegalArgumentException("VLAN id must be in 1..4094, was " + id);
            }
            Objects.requireNonNull(protocol, "protocol");
        }
    }
}
