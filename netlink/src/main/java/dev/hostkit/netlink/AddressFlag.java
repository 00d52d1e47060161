package dev.hostkit.netlink;

/**
 * One {@code IFA_F_*} flag of an address, with its bit.
 * The set of flags is read from {@code IFA_FLAGS} (32 bits) when present, else from {@code ifa_flags}.
 */
public enum AddressFlag {
    /** A secondary address. */
    SECONDARY(0x01),
    /** No duplicate address detection (IPv6). */
    NODAD(0x02),
    /** Optimistic DAD (IPv6). */
    OPTIMISTIC(0x04),
    /** DAD failed. */
    DADFAILED(0x08),
    /** Mobile IPv6 home address. */
    HOMEADDRESS(0x10),
    /** Deprecated. */
    DEPRECATED(0x20),
    /** DAD still running. */
    TENTATIVE(0x40),
    /** Configured, not learnt (does not expire). */
    PERMANENT(0x80),
    /** Manage temporary addresses from this prefix. */
    MANAGETEMPADDR(0x100),
    /** Add no prefix route for it. */
    NOPREFIXROUTE(0x200),
    /** Join the multicast group automatically. */
    MCAUTOJOIN(0x400),
    /** Stable-privacy address. */
    STABLE_PRIVACY(0x800);

    private final int bit;

    AddressFlag(int bit) {
        this.bit = bit;
    }

    /** The flag's bit. */
    public int bit() {
        return bit;
    }

    /**
     * Combines flags into the kernel's bit mask.
     *
     * @param flags the flags
     * @return their OR
     */
    public static int mask(AddressFlag... flags) {
        int m = 0;
        for (AddressFlag f : flags) {
            m |= f.bit;
        }
        return m;
    }
}
