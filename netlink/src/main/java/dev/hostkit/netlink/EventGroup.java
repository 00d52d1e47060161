package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

/**
 * A family of change notifications one can subscribe to (an rtnetlink multicast group).
 * Each constant carries its {@code RTNLGRP_*} number.
 */
public enum EventGroup {
    /** Links: create, change, rename, delete. */
    LINK(RtnlConstants.RTNLGRP_LINK),
    /** IPv4 addresses. */
    IPV4_ADDRESS(RtnlConstants.RTNLGRP_IPV4_IFADDR),
    /** IPv6 addresses. */
    IPV6_ADDRESS(RtnlConstants.RTNLGRP_IPV6_IFADDR),
    /** IPv4 routes. */
    IPV4_ROUTE(RtnlConstants.RTNLGRP_IPV4_ROUTE),
    /** IPv6 routes. */
    IPV6_ROUTE(RtnlConstants.RTNLGRP_IPV6_ROUTE);

    private final int group;

    EventGroup(int group) {
        this.group = group;
    }

    /** The bind mask bit of this group. */
    int mask() {
        return 1 << (group - 1);
    }
}
