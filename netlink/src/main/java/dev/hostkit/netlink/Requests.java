package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.MessageBuilder;
import dev.hostkit.netlink.internal.RtnlChannel.Request;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

/**
 * Builds the rtnetlink change requests behind {@link RtNetlink} and {@link Batch}: one place that knows
 * which header, family struct and attributes each change needs. Stateless.
 */
final class Requests {
    private Requests() {}

    /** {@code RTM_NEWLINK} with create flags: the link named {@code name}, optionally created in {@code nsFd}. */
    static Request createLink(LinkSpec spec, String name, int nsFd, boolean up) {
        String target = name + (spec.parentIndex() > 0 ? " on parent index " + spec.parentIndex() : "");
        return new Request(
                RTM_NEWLINK,
                NLM_F_CREATE | NLM_F_EXCL,
                m -> {
                    // Attribute order and encoding follow what `ip link add` sends, so requests compare byte for byte.
                    m.ifinfomsg(0, 0, 0, up ? IFF_UP : 0, up ? IFF_UP : 0);
                    if (spec.parentIndex() > 0) {
                        m.attrU32(IFLA_LINK, spec.parentIndex());
                    }
                    m.attrString(IFLA_IFNAME, name);
                    if (spec.mtu() > 0) {
                        m.attrU32(IFLA_MTU, spec.mtu());
                    }
                    if (spec.mac() != null) {
                        m.attrBytes(IFLA_ADDRESS, spec.mac().bytes());
                    }
                    if (nsFd >= 0) {
                        m.attrU32(IFLA_NET_NS_FD, nsFd);
                    }
                    linkInfo(m, spec.kind());
                },
                "create " + spec.kind().kindName(),
                target);
    }

    static void linkInfo(MessageBuilder m, LinkKind kind) {
        int info = m.beginNestedPlain(IFLA_LINKINFO);
        m.attrBytes(IFLA_INFO_KIND, kind.kindName().getBytes(StandardCharsets.US_ASCII)); // no NUL, like ip
        if (kind instanceof LinkKind.Macvlan mv) {
            int data = m.beginNestedPlain(IFLA_INFO_DATA);
            m.attrU32(IFLA_MACVLAN_MODE, mv.mode().value());
            m.endNested(data);
        } else if (kind instanceof LinkKind.Ipvlan iv) {
            int data = m.beginNestedPlain(IFLA_INFO_DATA);
            m.attrU16(IFLA_IPVLAN_MODE, iv.mode().value()); // ip always sends both, mode then flags
            m.attrU16(IFLA_IPVLAN_FLAGS, iv.flag().value());
            m.endNested(data);
        } else if (kind instanceof LinkKind.Vlan v) {
            int data = m.beginNestedPlain(IFLA_INFO_DATA);
            m.attrU16(IFLA_VLAN_ID, v.id());
            if (v.protocol() != VlanProtocol.IEEE_802_1Q) { // 802.1Q is the kernel's default, and ip omits it too
                m.attrU16Be(IFLA_VLAN_PROTOCOL, v.protocol().ethertype());
            }
            m.endNested(data);
        } else if (kind instanceof LinkKind.Veth veth) {
            int data = m.beginNestedPlain(IFLA_INFO_DATA);
            int peer = m.beginNestedPlain(VETH_INFO_PEER);
            m.ifinfomsg(0, 0, 0, 0, 0);
            m.attrString(IFLA_IFNAME, veth.peerName());
            if (veth.peerNamespace() != null) {
                m.attrU32(IFLA_NET_NS_FD, veth.peerNamespace().fd());
            }
            m.endNested(peer);
            m.endNested(data);
        }
        m.endNested(info);
    }

    /** {@code RTM_NEWLINK} on an existing link (no create flags): whatever {@code attrs} writes. */
    static Request changeLink(
            int index, int flags, int change, MessageBuilderStep attrs, String operation, String target) {
        return new Request(
                RTM_NEWLINK,
                0,
                m -> {
                    m.ifinfomsg(0, 0, index, flags, change);
                    attrs.write(m);
                },
                operation,
                target);
    }

    /** Writes attributes. */
    @FunctionalInterface
    interface MessageBuilderStep {
        void write(MessageBuilder m);
    }

    static Request setUp(int index, boolean up) {
        return changeLink(
                index, up ? IFF_UP : 0, IFF_UP, m -> {}, up ? "set link up" : "set link down", "index " + index);
    }

    static Request deleteLink(int index, String target) {
        return new Request(RTM_DELLINK, 0, m -> m.ifinfomsg(0, 0, index, 0, 0), "delete link", target);
    }

    static Request deleteLinkByName(String name) {
        return new Request(
                RTM_DELLINK,
                0,
                m -> {
                    m.ifinfomsg(0, 0, 0, 0, 0);
                    m.attrString(IFLA_IFNAME, name);
                },
                "delete link",
                name);
    }

    static Request address(boolean add, Address a) {
        int type = add ? RTM_NEWADDR : RTM_DELADDR;
        int flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
        return new Request(
                type,
                flags,
                m -> {
                    m.ifaddrmsg(
                            a.family().number(),
                            a.prefixLength(),
                            a.flags() & 0xff,
                            a.scope().value(),
                            a.linkIndex());
                    m.attrBytes(IFA_LOCAL, a.address().getAddress());
                    m.attrBytes(IFA_ADDRESS, (a.peer() != null ? a.peer() : a.address()).getAddress());
                    if (a.broadcast() != null) {
                        m.attrBytes(IFA_BROADCAST, a.broadcast().getAddress());
                    }
                    if (a.label() != null) {
                        m.attrString(IFA_LABEL, a.label());
                    }
                    if (add && a.flags() != 0) {
                        m.attrU32(IFA_FLAGS, a.flags());
                    }
                },
                add ? "add address" : "delete address",
                a.cidr() + " on index " + a.linkIndex());
    }

    /** How a route request treats an existing route. */
    enum RouteOp {
        ADD,
        REPLACE,
        DELETE
    }

    static Request route(RouteOp op, Route r) {
        int type = op == RouteOp.DELETE ? RTM_DELROUTE : RTM_NEWROUTE;
        int flags = switch (op) {
            case ADD -> NLM_F_CREATE | NLM_F_EXCL;
            case REPLACE -> NLM_F_CREATE | NLM_F_REPLACE;
            case DELETE -> 0;
        };
        int scope;
        if (op == RouteOp.DELETE) {
            scope = RT_SCOPE_NOWHERE; // matches any scope
        } else if (r.scope().equals(Scope.UNIVERSE)
                && r.gateway() == null
                && r.type() == RTN_UNICAST
                && r.outputIndex() != 0) {
            scope = RT_SCOPE_LINK; // as ip does for a directly connected route
        } else {
            scope = r.scope().value();
        }
        int protocol = op == RouteOp.DELETE ? 0 : r.protocol();
        return new Request(
                type,
                flags,
                m -> {
                    m.rtmsg(
                            r.family().number(),
                            r.destinationPrefix(),
                            0,
                            0,
                            r.table() < 256 ? r.table() : 0,
                            protocol,
                            scope,
                            r.type(),
                            r.flags());
                    if (r.destination() != null) {
                        m.attrBytes(RTA_DST, r.destination().getAddress());
                    }
                    // A nexthop object stands for the gateways and links; the kernel refuses both at once.
                    boolean object = r.nexthopId() != 0;
                    if (r.gateway() != null && !object) {
                        gateway(m, r.family(), r.gateway());
                    }
                    if (r.outputIndex() != 0 && !object) {
                        m.attrU32(RTA_OIF, r.outputIndex());
                    }
                    if (r.priority() != 0) {
                        m.attrU32(RTA_PRIORITY, r.priority());
                    }
                    if (r.preferredSource() != null) {
                        m.attrBytes(RTA_PREFSRC, r.preferredSource().getAddress());
                    }
                    if (r.isMultipath() && !object) {
                        multipath(m, r);
                    }
                    if (r.nexthopId() != 0) {
                        m.attrU32(RTA_NH_ID, r.nexthopId());
                    }
                    m.attrU32(RTA_TABLE, r.table());
                },
                switch (op) {
                    case ADD -> "add route";
                    case REPLACE -> "replace route";
                    case DELETE -> "delete route";
                },
                r.destinationText() + (r.family() == AddressFamily.INET ? "" : " (IPv6)") + " table " + r.table());
    }

    /** {@code RTA_MULTIPATH}: one {@code struct rtnexthop} per hop with its gateway inside, laid out as {@code ip} does. */
    static void multipath(MessageBuilder m, Route r) {
        int mp = m.beginNestedPlain(RTA_MULTIPATH);
        for (NextHop h : r.nextHops()) {
            // Only onlink is a request flag; dead/linkdown are the kernel's report and it refuses them in a request.
            int hop = m.beginNextHop(h.flags() & RTNH_F_ONLINK, h.weight() - 1, h.outputIndex());
            if (h.gateway() != null) {
                gateway(m, r.family(), h.gateway());
            }
            m.endNested(hop);
        }
        m.endNested(mp);
    }

    /** {@code RTA_GATEWAY} for a gateway of the route's family, {@code RTA_VIA} (struct rtvia) for IPv6 on IPv4. */
    private static void gateway(MessageBuilder m, AddressFamily routeFamily, InetAddress gw) {
        byte[] addr = gw.getAddress();
        AddressFamily gwFamily = AddressFamily.of(gw);
        if (gwFamily == routeFamily) {
            m.attrBytes(RTA_GATEWAY, addr);
            return;
        }
        ByteBuffer via = ByteBuffer.allocate(2 + addr.length).order(ByteOrder.nativeOrder());
        via.putShort((short) gwFamily.number()).put(addr);
        m.attrBytes(RTA_VIA, via.array());
    }
}
