package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

import java.net.InetAddress;

/**
 * One next hop of a multipath route ({@code struct rtnexthop} in {@code RTA_MULTIPATH}): gateway, output link,
 * weight and {@code RTNH_F_*} flags. Immutable; the weight is the kernel's {@code rtnh_hops + 1}, so 1..256.
 *
 * @param gateway the next router, or {@code null} for a directly connected hop; an IPv6 gateway on an IPv4 route
 *                travels as {@code RTA_VIA} (RFC 5549)
 * @param outputIndex the output link's ifindex, 0 when none
 * @param weight the relative share of flows, 1..256
 * @param flags {@code RTNH_F_*} bits: {@code onlink} (4) is what a request can set; the kernel reports {@code dead} (1)
 *              and {@code linkdown} (16) on hops over a link that is down, and ignores them in a request
 */
public record NextHop(InetAddress gateway, int outputIndex, int weight, int flags) {
    /** Smallest weight ({@code rtnh_hops} 0). */
    public static final int MIN_WEIGHT = 1;
    /** Largest weight ({@code rtnh_hops} 255). */
    public static final int MAX_WEIGHT = 256;

    /** @throws IllegalArgumentException for a negative index or a weight outside 1..256 */
    public NextHop {
        if (outputIndex < 0) {
            throw new IllegalArgumentException("next hop output index must not be negative, was " + outputIndex);
        }
        if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException(
                    "next hop weight must be in " + MIN_WEIGHT + ".." + MAX_WEIGHT + ", was " + weight);
        }
        if (gateway == null && outputIndex == 0) {
            throw new IllegalArgumentException("a next hop needs a gateway or an output link");
        }
    }

    /**
     * A next hop through a gateway out of a link, weight 1.
     *
     * @param gateway literal address, e.g. {@code 10.1.0.1}
     * @param outputIndex the link's ifindex
     * @return the next hop
     */
    public static NextHop via(String gateway, int outputIndex) {
        return new NextHop(Cidr.address(gateway), outputIndex, MIN_WEIGHT, 0);
    }

    /**
     * A directly connected next hop out of a link, weight 1.
     *
     * @param outputIndex the link's ifindex
     * @return the next hop
     */
    public static NextHop dev(int outputIndex) {
        return new NextHop(null, outputIndex, MIN_WEIGHT, 0);
    }

    /** With a weight. @param w 1..256 @return a copy */
    public NextHop withWeight(int w) {
        return new NextHop(gateway, outputIndex, w, flags);
    }

    /** Out of another link (what a repair does after re-creating it). @param index the ifindex @return a copy */
    public NextHop withOutputIndex(int index) {
        return new NextHop(gateway, index, weight, flags);
    }

    /** Marked onlink. @return a copy */
    public NextHop onlink() {
        return new NextHop(gateway, outputIndex, weight, flags | RtnlConstants.RTNH_F_ONLINK);
    }

    /** Whether {@code RTNH_F_ONLINK} is set. */
    public boolean isOnlink() {
        return (flags & RtnlConstants.RTNH_F_ONLINK) != 0;
    }

    /** Whether the kernel marked this hop dead or its link down ({@code RTNH_F_DEAD}, {@code RTNH_F_LINKDOWN}). */
    public boolean isDown() {
        return (flags & (RtnlConstants.RTNH_F_DEAD | RtnlConstants.RTNH_F_LINKDOWN)) != 0;
    }

    @Override
    public String toString() {
        return "nexthop" + (gateway != null ? " via " + Cidr.text(gateway) : "")
                + (outputIndex != 0 ? " dev " + outputIndex : "") + " weight " + weight + (isOnlink() ? " onlink" : "");
    }
}
