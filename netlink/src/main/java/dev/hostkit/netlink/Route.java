package dev.hostkit.netlink;

import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.internal.RtnlConstants;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An IPv4 or IPv6 route, as listed ({@code RTM_NEWROUTE}) or to be added; built with {@link #to(String)}
 * or {@link #defaultRoute(int)}. Immutable; absent numbers are 0, absent addresses {@code null}.
 *
 * @param family {@code AF_INET} or {@code AF_INET6}
 * @param destination the destination network, {@code null} for the default route
 * @param destinationPrefix its prefix length (0 for default)
 * @param gateway the next hop, or {@code null}
 * @param outputIndex the output link's ifindex, 0 when none
 * @param table the routing table (254 = main)
 * @param priority the metric ({@code RTA_PRIORITY}), 0 when absent
 * @param scope the scope
 * @param protocol who installed it ({@code RTPROT_*}: 2 kernel, 3 boot, 4 static)
 * @param type {@code RTN_*}: 1 unicast, 2 local, 3 broadcast, ...
 * @param flags {@code RTNH_F_*} bits (see {@link #isOnlink()})
 * @param preferredSource the preferred source address ({@code RTA_PREFSRC}), or {@code null}
 */
public record Route(int family, InetAddress destination, int destinationPrefix, InetAddress gateway, int outputIndex,
                    int table, int priority, Scope scope, int protocol, int type, int flags, InetAddress preferredSource) {
    /** The main table. */
    public static final int TABLE_MAIN = RtnlConstants.RT_TABLE_MAIN;
    /** Protocol {@code kernel}: routes the kernel made. */
    public static final int PROTOCOL_KERNEL = 2;
    /** Protocol {@code boot}: what {@code ip route add} uses. */
    public static final int PROTOCOL_BOOT = 3;
    /** Protocol {@code static}. */
    public static final int PROTOCOL_STATIC = 4;
    /** Type unicast. */
    public static final int TYPE_UNICAST = RtnlConstants.RTN_UNICAST;

    /** @throws IllegalArgumentException for mixed families or numbers out of range */
    public Route {
        Objects.requireNonNull(scope, "scope");
        if (family != LibC.AF_INET && family != LibC.AF_INET6) {
            throw new IllegalArgumentException("route family must be AF_INET or AF_INET6, was " + family);
        }
        int max = family == LibC.AF_INET ? 32 : 128;
        if (destinationPrefix < 0 || destinationPrefix > max || (destination == null && destinationPrefix != 0)) {
            throw new IllegalArgumentException("destination prefix must be in 0.." + max + " (0 for default), was " + destinationPrefix);
        }
        checkFamily(family, destination, "destination");
        checkFamily(family, gateway, "gateway");
        checkFamily(family, preferredSource, "preferred source");
        if (table < 0 || protocol < 0 || protocol > 255 || type < 0 || type > 255 || outputIndex < 0) {
            throw new IllegalArgumentException("table, protocol, type and output index must not be negative (protocol/type <= 255)");
        }
    }

    private static void checkFamily(int family, InetAddress a, String what) {
        if (a != null && (a instanceof Inet4Address) != (family == LibC.AF_INET)) {
            throw new IllegalArgumentException(what + " " + a.getHostAddress() + " is not of the route's family");
        }
    }

    /**
     * A route to {@code cidr} in the main table, protocol boot, unicast, scope chosen on add as {@code ip} does
     * (link without a gateway, else universe).
     *
     * @param cidr e.g. {@code 10.9.0.0/16} or {@code fd00:1::/64}
     * @return the route, to refine with the {@code with*}/{@code via}/{@code dev} methods
     */
    public static Route to(String cidr) {
        Cidr c = Cidr.parse(cidr);
        int family = c.address() instanceof Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
        return new Route(family, c.address(), c.prefixLength(), null, 0, TABLE_MAIN, 0, Scope.UNIVERSE,
                PROTOCOL_BOOT, TYPE_UNICAST, 0, null);
    }

    /**
     * The default route of a family.
     *
     * @param family {@code AF_INET} (2) or {@code AF_INET6} (10)
     * @return the route
     */
    public static Route defaultRoute(int family) {
        return new Route(family, null, 0, null, 0, TABLE_MAIN, 0, Scope.UNIVERSE, PROTOCOL_BOOT, TYPE_UNICAST, 0, null);
    }

    /** Via a gateway. @param gw literal address @return a copy */
    public Route via(String gw) {
        return new Route(family, destination, destinationPrefix, Cidr.address(gw), outputIndex, table, priority, scope, protocol, type, flags, preferredSource);
    }

    /** Out of a link. @param index the ifindex @return a copy */
    public Route dev(int index) {
        return new Route(family, destination, destinationPrefix, gateway, index, table, priority, scope, protocol, type, flags, preferredSource);
    }

    /** In a table. @param t table number @return a copy */
    public Route withTable(int t) {
        return new Route(family, destination, destinationPrefix, gateway, outputIndex, t, priority, scope, protocol, type, flags, preferredSource);
    }

    /** With a metric. @param metric the priority @return a copy */
    public Route withMetric(int metric) {
        return new Route(family, destination, destinationPrefix, gateway, outputIndex, table, metric, scope, protocol, type, flags, preferredSource);
    }

    /** With a scope. @param s the scope @return a copy */
    public Route withScope(Scope s) {
        return new Route(family, destination, destinationPrefix, gateway, outputIndex, table, priority, s, protocol, type, flags, preferredSource);
    }

    /** With a protocol. @param p {@code RTPROT_*} @return a copy */
    public Route withProtocol(int p) {
        return new Route(family, destination, destinationPrefix, gateway, outputIndex, table, priority, scope, p, type, flags, preferredSource);
    }

    /** With a preferred source. @param src literal address @return a copy */
    public Route withPreferredSource(String src) {
        return new Route(family, destination, destinationPrefix, gateway, outputIndex, table, priority, scope, protocol, type, flags, Cidr.address(src));
    }

    /** Marked onlink: the gateway is on the link even if no prefix says so. @return a copy */
    public Route onlink() {
        return new Route(family, destination, destinationPrefix, gateway, outputIndex, table, priority, scope, protocol, type,
                flags | RtnlConstants.RTNH_F_ONLINK, preferredSource);
    }

    /** Whether {@code RTNH_F_ONLINK} is set. */
    public boolean isOnlink() {
        return (flags & RtnlConstants.RTNH_F_ONLINK) != 0;
    }

    /** Whether this is a default route. */
    public boolean isDefault() {
        return destination == null;
    }

    /** {@code default} or {@code 10.0.0.0/24}, as {@code ip -j route} prints {@code dst}. */
    public String destinationText() {
        if (destination == null) {
            return "default";
        }
        int max = family == LibC.AF_INET ? 32 : 128;
        return destinationPrefix == max ? Cidr.text(destination) : Cidr.text(destination) + "/" + destinationPrefix;
    }

    @Override
    public String toString() {
        return destinationText() + (gateway != null ? " via " + Cidr.text(gateway) : "")
                + (outputIndex != 0 ? " dev " + outputIndex : "") + " table " + table + " proto " + protocol
                + " scope " + scope + (priority != 0 ? " metric " + priority : "") + (isOnlink() ? " onlink" : "");
    }
}
