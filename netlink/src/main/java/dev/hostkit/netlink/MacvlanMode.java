package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

/**
 * The forwarding mode of a macvlan link ({@code IFLA_MACVLAN_MODE}).
 * Each constant carries the kernel's value; {@link #of(int)} maps back.
 */
public enum MacvlanMode {
    /** No traffic between macvlans of the same parent. */
    PRIVATE(RtnlConstants.MACVLAN_MODE_PRIVATE),
    /** Traffic between macvlans goes out to the switch and back. */
    VEPA(RtnlConstants.MACVLAN_MODE_VEPA),
    /** Macvlans of the same parent talk directly. */
    BRIDGE(RtnlConstants.MACVLAN_MODE_BRIDGE),
    /** One macvlan takes over the parent. */
    PASSTHRU(RtnlConstants.MACVLAN_MODE_PASSTHRU),
    /** Only frames from listed source MACs are received. */
    SOURCE(RtnlConstants.MACVLAN_MODE_SOURCE);

    private final int value;

    MacvlanMode(int value) {
        this.value = value;
    }

    /** The kernel's number for this mode. */
    public int value() {
        return value;
    }

    /**
     * The mode for a kernel value.
     *
     * @param value {@code MACVLAN_MODE_*}
     * @return the mode
     * @throws IllegalArgumentException for an unknown value
     */
    public static MacvlanMode of(int value) {
        for (MacvlanMode m : values()) {
            if (m.value == value) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown macvlan mode " + value);
    }

    /** The name {@code ip} uses, e.g. {@code bridge}. */
    public String ipName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
