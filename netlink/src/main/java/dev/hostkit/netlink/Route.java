package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlConstants;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An IPv4 or IPv6 route, as listed ({@code RTM_NEWROUTE}) or to be added; built with {@link #to(String)}
 * or {@link #defaultRoute(AddressFamily)}. Immutable; absent numbers are 0, absent addresses {@code null}.
 *
 * <p>A single-path route has its {@link #gateway()} and {@link #outputIndex()}; a multipath route
 * ({@code RTA_MULTIPATH}) has its {@link #nextHops()} instead and no top-level gateway or link. A route that
 * uses a kernel nexthop object (5.3+, {@code ip route add ... nhid N}) carries its {@link #nexthopId()}; the
 * kernel also reports the object's gateways and links in the route (unless {@code nexthop_compat_mode} is off),
 * so they are read too. Adding or deleting a route with a nexthop id sends only {@code RTA_NH_ID}: the object
 * must exist (the kernel answers EINVAL "Nexthop id does not exist" otherwise; hostkit neither reads nor creates
 * nexthop objects). To restore such a route without its object, add {@code route.withNexthopId(0)}: the
 * gateways and links the kernel reported are sent instead.
 *
 * @param family IPv4 or IPv6
 * @param destination the destination network, {@code null} for the default route
 * @param destinationPrefix its prefix length (0 for default)
 * @param gateway the next hop of a single-path route, or {@code null}; an IPv6 gateway on an IPv4 route
 *                travels as {@code RTA_VIA}
 * @param outputIndex the output link's ifindex of a single-path route, 0 when none
 * @param table the routing table (254 = main)
 * @param priority the metric ({@code RTA_PRIORITY}), 0 when absent
 * @param scope the scope
 * @param protocol who installed it ({@code RTPROT_*}: 2 kernel, 3 boot, 4 static)
 * @param type {@code RTN_*}: 1 unicast, 2 local, 3 broadcast, ...
 * @param flags {@code RTNH_F_*} bits (see {@link #isOnlink()})
 * @param preferredSource the preferred source address ({@code RTA_PREFSRC}), or {@code null}
 * @param nextHops the next hops of a multipath route ({@code RTA_MULTIPATH}), empty for a single-path route
 * @param nexthopId the kernel nexthop object ({@code RTA_NH_ID}), 0 when none
 */
public record Route(
        AddressFamily family,
        InetAddress destination,
        int destinationPrefix,
        InetAddress gateway,
        int outputIndex,
        int table,
        int priority,
        Scope scope,
        int protocol,
        int type,
        int flags,
        InetAddress preferredSource,
        List<NextHop> nextHops,
        int nexthopId) {
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

    /** @throws IllegalArgumentException for mixed families, numbers out of range, or next hops beside a gateway or link */
    public Route {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(scope, "scope");
        nextHops = List.copyOf(Objects.requireNonNull(nextHops, "nextHops"));
        int max = family.maxPrefixLength();
        if (destinationPrefix < 0 || destinationPrefix > max || (destination == null && destinationPrefix != 0)) {
            throw new IllegalArgumentException(
                    "destination prefix must be in 0.." + max + " (0 for default), was " + destinationPrefix);
        }
        checkFamily(family, destination, "destination");
        checkGateway(family, gateway);
        checkFamily(family, preferredSource, "preferred source");
        if (table < 0 || protocol < 0 || protocol > 255 || type < 0 || type > 255 || outputIndex < 0 || nexthopId < 0) {
            throw new IllegalArgumentException(
                    "table, protocol, type, output index and nexthop id must not be negative (protocol/type <= 255)");
        }
        if (!nextHops.isEmpty() && (gateway != null || outputIndex != 0)) {
            throw new IllegalArgumentException(
                    "a multipath route has its gateways and links in its next hops, not beside them");
        }
        for (NextHop h : nextHops) {
            checkGateway(family, h.gateway());
        }
    }

    /** A single-path route without a nexthop object: the same as the canonical constructor with no next hops and id 0. */
    public Route(
            AddressFamily family,
            InetAddress destination,
            int destinationPrefix,
            InetAddress gateway,
            int outputIndex,
            int table,
            int priority,
            Scope scope,
            int protocol,
            int type,
            int flags,
            InetAddress preferredSource) {
        this(
                family,
                destination,
                destinationPrefix,
                gateway,
                outputIndex,
                table,
                priority,
                scope,
                protocol,
                type,
                flags,
                preferredSource,
                List.of(),
                0);
    }

    private static void checkFamily(AddressFamily family, InetAddress a, String what) {
        if (!family.holds(a)) {
            throw new IllegalArgumentException(what + " " + a.getHostAddress() + " is not of the route's family");
        }
    }

    /** A gateway is of the route's family, or IPv6 on an IPv4 route (RFC 5549, sent as {@code RTA_VIA}). */
    private static void checkGateway(AddressFamily family, InetAddress gw) {
        if (!family.holds(gw) && family != AddressFamily.INET) {
            throw new IllegalArgumentException("gateway " + gw.getHostAddress() + " is not of the route's family");
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
        return new Route(
                AddressFamily.of(c.address()),
                c.address(),
                c.prefixLength(),
                null,
                0,
                TABLE_MAIN,
                0,
                Scope.UNIVERSE,
                PROTOCOL_BOOT,
                TYPE_UNICAST,
                0,
                null);
    }

    /**
     * The default route of a family.
     *
     * @param family IPv4 or IPv6
     * @return the route
     */
    public static Route defaultRoute(AddressFamily family) {
        return new Route(family, null, 0, null, 0, TABLE_MAIN, 0, Scope.UNIVERSE, PROTOCOL_BOOT, TYPE_UNICAST, 0, null);
    }

    /** Via a gateway. @param gw literal address @return a copy */
    public Route via(String gw) {
        return copy(r -> r.gateway = Cidr.address(gw));
    }

    /** Out of a link. @param index the ifindex @return a copy */
    public Route dev(int index) {
        return copy(r -> r.outputIndex = index);
    }

    /** In a table. @param t table number @return a copy */
    public Route withTable(int t) {
        return copy(r -> r.table = t);
    }

    /** With a metric. @param metric the priority @return a copy */
    public Route withMetric(int metric) {
        return copy(r -> r.priority = metric);
    }

    /** With a scope. @param s the scope @return a copy */
    public Route withScope(Scope s) {
        return copy(r -> r.scope = s);
    }

    /** With a protocol. @param p {@code RTPROT_*} @return a copy */
    public Route withProtocol(int p) {
        return copy(r -> r.protocol = p);
    }

    /** With a preferred source. @param src literal address @return a copy */
    public Route withPreferredSource(String src) {
        return copy(r -> r.preferredSource = Cidr.address(src));
    }

    /** Marked onlink: the gateway is on the link even if no prefix says so. @return a copy */
    public Route onlink() {
        return copy(r -> r.flags = flags | RtnlConstants.RTNH_F_ONLINK);
    }

    /**
     * A multipath route over these next hops (replacing any gateway, link or earlier next hops).
     *
     * @param hops two or more next hops (one is accepted and kept as the kernel keeps it)
     * @return a copy
     */
    public Route withNextHops(List<NextHop> hops) {
        if (hops.isEmpty()) {
            throw new IllegalArgumentException("a multipath route needs at least one next hop");
        }
        return copy(r -> {
            r.gateway = null;
            r.outputIndex = 0;
            r.nextHops = hops;
        });
    }

    /** A multipath route over these next hops. @param hops the next hops @return a copy */
    public Route withNextHops(NextHop... hops) {
        return withNextHops(List.of(hops));
    }

    /** Using kernel nexthop object {@code id}, or none for 0. @param id the object's id @return a copy */
    public Route withNexthopId(int id) {
        return copy(r -> r.nexthopId = id);
    }

    // The record's components as mutable fields: each with* method sets what differs and builds a new route.
    private static final class Parts {
        AddressFamily family;
        InetAddress destination;
        int destinationPrefix;
        InetAddress gateway;
        int outputIndex;
        int table;
        int priority;
        Scope scope;
        int protocol;
        int type;
        int flags;
        InetAddress preferredSource;
        List<NextHop> nextHops;
        int nexthopId;
    }

    private Route copy(Consumer<Parts> change) {
        Parts r = new Parts();
        r.family = family;
        r.destination = destination;
        r.destinationPrefix = destinationPrefix;
        r.gateway = gateway;
        r.outputIndex = outputIndex;
        r.table = table;
        r.priority = priority;
        r.scope = scope;
        r.protocol = protocol;
        r.type = type;
        r.flags = flags;
        r.preferredSource = preferredSource;
        r.nextHops = nextHops;
        r.nexthopId = nexthopId;
        change.accept(r);
        return new Route(
                r.family,
                r.destination,
                r.destinationPrefix,
                r.gateway,
                r.outputIndex,
                r.table,
                r.priority,
                r.scope,
                r.protocol,
                r.type,
                r.flags,
                r.preferredSource,
                r.nextHops,
                r.nexthopId);
    }

    /** Whether this route has several next hops ({@code RTA_MULTIPATH}). */
    public boolean isMultipath() {
        return !nextHops.isEmpty();
    }

    /** Whether this route leaves through link {@code index}, directly or through one of its next hops. @param index the ifindex @return true if so */
    public boolean usesLink(int index) {
        if (outputIndex == index) {
            return true;
        }
        for (NextHop h : nextHops) {
            if (h.outputIndex() == index) {
                return true;
            }
        }
        return false;
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
        return destinationPrefix == family.maxPrefixLength()
                ? Cidr.text(destination)
                : Cidr.text(destination) + "/" + destinationPrefix;
    }

    @Override
    public String toString() {
        return destinationText() + (gateway != null ? " via " + Cidr.text(gateway) : "")
                + (outputIndex != 0 ? " dev " + outputIndex : "") + " table " + table + " proto " + protocol
                + " scope " + scope + (priority != 0 ? " metric " + priority : "") + (isOnlink() ? " onlink" : "")
                + (nexthopId != 0 ? " nhid " + nexthopId : "") + (nextHops.isEmpty() ? "" : " " + nextHops);
    }
}
