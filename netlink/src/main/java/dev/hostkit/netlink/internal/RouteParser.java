package dev.hostkit.netlink.internal;

import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.NetlinkParseException;
import dev.hostkit.netlink.NextHop;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.Scope;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.hostkit.netlink.internal.MessageParser.align;
import static dev.hostkit.netlink.internal.MessageParser.attrLength;
import static dev.hostkit.netlink.internal.MessageParser.inet;
import static dev.hostkit.netlink.internal.MessageParser.need;
import static dev.hostkit.netlink.internal.MessageParser.u32;
import static dev.hostkit.netlink.internal.RtnlConstants.*;

/**
 * Decodes route messages: the {@code rtmsg}, its attributes, and the next hops of {@code RTA_MULTIPATH}.
 * Bounds-checked like {@link MessageParser}, whose primitives it shares; stateless.
 */
final class RouteParser {
    private RouteParser() {}

    /**
     * Decodes an {@code RTM_NEWROUTE}/{@code RTM_DELROUTE} message.
     *
     * @param b the datagram
     * @param off the message start
     * @param len the message length
     * @return the route, or {@code null} for families other than IPv4/IPv6
     */
    static Route route(ByteBuffer b, int off, int len) {
        int end = off + len;
        int body = off + NLMSG_HDRLEN;
        need(body + RTMSG_LEN <= end, "rtmsg does not fit", off);
        int family = Byte.toUnsignedInt(b.get(body));
        if (family != LibC.AF_INET && family != LibC.AF_INET6) {
            return null;
        }
        int alen = family == LibC.AF_INET ? 4 : 16;
        int dstLen = Byte.toUnsignedInt(b.get(body + 1));
        need(dstLen <= alen * 8, "destination length " + dstLen + " too long", body + 1);
        int table = Byte.toUnsignedInt(b.get(body + 4));
        int protocol = Byte.toUnsignedInt(b.get(body + 5));
        int scope = Byte.toUnsignedInt(b.get(body + 6));
        int type = Byte.toUnsignedInt(b.get(body + 7));
        int flags = b.getInt(body + 8);
        InetAddress dst = null;
        InetAddress gateway = null;
        InetAddress prefsrc = null;
        List<NextHop> hops = List.of();
        int oif = 0;
        int priority = 0;
        int nhid = 0;
        for (int a = body + RTMSG_LEN; a < end; ) {
            int l = attrLength(b, a, end);
            int t = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
            int p = a + NLA_HDRLEN;
            switch (t) {
                case RTA_DST -> dst = inet(b, p, l - NLA_HDRLEN, alen, a);
                case RTA_GATEWAY -> gateway = inet(b, p, l - NLA_HDRLEN, alen, a);
                case RTA_VIA -> gateway = via(b, p, l - NLA_HDRLEN, a);
                case RTA_PREFSRC -> prefsrc = inet(b, p, l - NLA_HDRLEN, alen, a);
                case RTA_OIF -> oif = u32(b, p, l - NLA_HDRLEN, "RTA_OIF");
                case RTA_PRIORITY -> priority = u32(b, p, l - NLA_HDRLEN, "RTA_PRIORITY");
                case RTA_TABLE -> table = u32(b, p, l - NLA_HDRLEN, "RTA_TABLE");
                case RTA_MULTIPATH -> hops = nextHops(b, p, a + l, alen);
                case RTA_NH_ID -> nhid = u32(b, p, l - NLA_HDRLEN, "RTA_NH_ID");
                default -> {}
            }
            a += align(l);
        }
        if (dst == null && dstLen != 0) {
            // A prefix without RTA_DST means the all-zero network of that length.
            dst = zero(alen);
        }
        need(oif >= 0 && table >= 0 && nhid >= 0, "negative RTA_OIF, RTA_TABLE or RTA_NH_ID", body);
        try {
            return new Route(
                    AddressFamily.of(family),
                    dst,
                    dst == null ? 0 : dstLen,
                    gateway,
                    oif,
                    table,
                    priority,
                    Scope.of(scope),
                    protocol,
                    type,
                    flags,
                    prefsrc,
                    hops,
                    nhid);
        } catch (IllegalArgumentException e) {
            throw new NetlinkParseException(e.getMessage(), off);
        }
    }

    /** The {@code struct rtnexthop} entries of {@code RTA_MULTIPATH} from {@code from} to {@code end}, each with its gateway. */
    private static List<NextHop> nextHops(ByteBuffer b, int from, int end, int alen) {
        List<NextHop> out = new ArrayList<>(2);
        for (int h = from; h < end; ) {
            need(end - h >= RTNEXTHOP_LEN, "truncated rtnexthop", h);
            int hlen = Short.toUnsignedInt(b.getShort(h));
            need(hlen >= RTNEXTHOP_LEN && hlen <= end - h, "rtnh_len " + hlen + " outside 8.." + (end - h), h);
            int hflags = Byte.toUnsignedInt(b.get(h + 2));
            int weight = Byte.toUnsignedInt(b.get(h + 3)) + 1;
            int ifindex = b.getInt(h + 4);
            need(ifindex >= 0, "negative rtnh_ifindex", h + 4);
            InetAddress gw = null;
            for (int a = h + RTNEXTHOP_LEN; a < h + hlen; ) {
                int l = attrLength(b, a, h + hlen);
                int t = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
                if (t == RTA_GATEWAY) {
                    gw = inet(b, a + NLA_HDRLEN, l - NLA_HDRLEN, alen, a);
                } else if (t == RTA_VIA) {
                    gw = via(b, a + NLA_HDRLEN, l - NLA_HDRLEN, a);
                }
                a += align(l);
            }
            try {
                out.add(new NextHop(gw, ifindex, weight, hflags));
            } catch (IllegalArgumentException e) {
                throw new NetlinkParseException(e.getMessage(), h);
            }
            h += align(hlen);
        }
        return out;
    }

    /** {@code struct rtvia}: a u16 address family, then the address. */
    private static InetAddress via(ByteBuffer b, int p, int plen, int at) {
        need(plen >= 2, "RTA_VIA shorter than 2 bytes", at);
        int fam = Short.toUnsignedInt(b.getShort(p));
        need(
                fam == LibC.AF_INET || fam == LibC.AF_INET6,
                "RTA_VIA family " + fam + " is neither AF_INET nor AF_INET6",
                at);
        return inet(b, p + 2, plen - 2, fam == LibC.AF_INET ? 4 : 16, at);
    }

    private static InetAddress zero(int alen) {
        try {
            return InetAddress.getByAddress(new byte[alen]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
