package dev.hostkit.netlink.guard;

import dev.hostkit.netlink.LinkNames;

/**
 * The host-side link a guarded interface hangs from, remembered by name (its index changes when it comes back).
 * Sealed so that parents the guardian itself recreates (a VLAN {@code eth0.3} on {@code eth0}) can be added as new kinds.
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
}
