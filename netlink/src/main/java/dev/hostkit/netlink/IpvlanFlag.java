package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

import java.util.Locale;

/**
 * How slaves of one ipvlan parent reach each other ({@code IFLA_IPVLAN_FLAGS}): bridge, private or VEPA.
 * One of three, as {@code ip} offers them: the kernel refuses private and VEPA together, and bridge is neither bit.
 */
public enum IpvlanFlag {
    /** Slaves of the same parent talk directly (no bit set; the kernel's default). */
    BRIDGE(0),
    /** No traffic between slaves of the same parent ({@code IPVLAN_F_PRIVATE}). */
    PRIVATE(RtnlConstants.IPVLAN_F_PRIVATE),
    /** Traffic between slaves goes out to the switch and back ({@code IPVLAN_F_VEPA}). */
    VEPA(RtnlConstants.IPVLAN_F_VEPA);

    private final int value;

    IpvlanFlag(int value) {
        this.value = value;
    }

    /** The kernel's bits for this choice. */
    public int value() {
        return value;
    }

    /**
     * The choice for a kernel value.
     *
     * @param value {@code IFLA_IPVLAN_FLAGS}
     * @return the flag
     * @throws IllegalArgumentException for unknown bits or private and VEPA together
     */
    public static IpvlanFlag of(int value) {
        for (IpvlanFlag f : values()) {
            if (f.value == value) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown ipvlan flags 0x" + Integer.toHexString(value));
    }

    /** The name {@code ip} uses, e.g. {@code private}. */
    public String ipName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
