package dev.hostkit.netlink;

/**
 * RFC 2863 operational state of a link ({@code IFLA_OPERSTATE}), in the kernel's order.
 * {@link #of(int)} maps an unknown number to {@link #UNKNOWN}.
 */
public enum OperState {
    /** The driver does not report a state. */
    UNKNOWN,
    /** Hardware missing. */
    NOTPRESENT,
    /** Down. */
    DOWN,
    /** Down because a lower device is down. */
    LOWERLAYERDOWN,
    /** In test mode. */
    TESTING,
    /** Waiting for an external event. */
    DORMANT,
    /** Up and ready. */
    UP;

    private static final OperState[] VALUES = values();

    /**
     * The state for the kernel's number.
     *
     * @param value {@code IF_OPER_*}
     * @return the state, or {@link #UNKNOWN} for numbers this enum lacks
     */
    public static OperState of(int value) {
        return value >= 0 && value < VALUES.length ? VALUES[value] : UNKNOWN;
    }
}
