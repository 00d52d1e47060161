package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

/**
 * The tag protocol of a VLAN link ({@code IFLA_VLAN_PROTOCOL}): 802.1Q or 802.1ad (QinQ).
 * Each constant carries its ethertype.
 */
public enum VlanProtocol {
    /** Customer tag, ethertype 0x8100. */
    IEEE_802_1Q(RtnlConstants.ETH_P_8021Q),
    /** Service tag (QinQ), ethertype 0x88a8. */
    IEEE_802_1AD(RtnlConstants.ETH_P_8021AD);

    private final int ethertype;

    VlanProtocol(int ethertype) {
        this.ethertype = ethertype;
    }

    /** The ethertype. */
    public int ethertype() {
        return ethertype;
    }

    /**
     * The protocol for an ethertype.
     *
     * @param ethertype 0x8100 or 0x88a8
     * @return the protocol
     * @throws IllegalArgumentException for any other value
     */
    public static VlanProtocol of(int ethertype) {
        for (VlanProtocol p : values()) {
            if (p.ethertype == ethertype) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown VLAN protocol 0x" + Integer.toHexString(ethertype));
    }
}
