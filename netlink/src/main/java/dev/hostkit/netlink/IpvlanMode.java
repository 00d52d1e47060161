package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

import java.util.Locale;

/**
 * The forwarding mode of an ipvlan link ({@code IFLA_IPVLAN_MODE}): where the slave hands packets to the parent.
 * Each constant carries the kernel's value; {@link #of(int)} maps back.
 */
public enum IpvlanMode {
    /** Layer 2: the slave does ARP/ND itself and shares the parent's MAC on the wire. */
    L2(RtnlConstants.IPVLAN_MODE_L2),
    /** Layer 3: the parent routes; no broadcast or multicast reaches the slave. The kernel's default. */
    L3(RtnlConstants.IPVLAN_MODE_L3),
    /** Layer 3 through the parent's netfilter hooks (conntrack sees the slave's traffic). */
    L3S(RtnlConstants.IPVLAN_MODE_L3S);

    private final int value;

    IpvlanMode(int value) {
        this.value = value;
    }

    /** The kernel's number for this mode. */
    public int value() {
        return value;
    }

    /**
     * The mode for a kernel value.
     *
     * @param value {@code IPVLAN_MODE_*}
     * @return the mode
     * @throws IllegalArgumentException for an unknown value
     */
    public static IpvlanMode of(int value) {
        for (IpvlanMode m : values()) {
            if (m.value == value) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown ipvlan mode " + value);
    }

    /** The name {@code ip} uses, e.g. {@code l3s}. */
    public String ipName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
