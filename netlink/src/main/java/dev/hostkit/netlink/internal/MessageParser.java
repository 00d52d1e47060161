package dev.hostkit.netlink.internal;

import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.IpvlanFlag;
import dev.hostkit.netlink.IpvlanMode;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.NetlinkParseException;
import dev.hostkit.netlink.OperState;
import dev.hostkit.netlink.RawAttributes;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.Scope;
import dev.hostkit.netlink.VlanProtocol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

/**
 * Decodes link, address and route messages from a received datagram into hostkit's records. Every read
 * is bounds-checked against the enclosing message or attribute: malformed input gives a
 * {@link NetlinkParseException}, never an index error or a loop. Holds no state, so any thread may use it.
 * (Over 400 lines: the three message families share the bounds-checked attribute walk kept here.)
 */
public final class MessageParser {
    private static final byte[] KIND_MACVLAN = "macvlan".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KIND_IPVLAN = "ipvlan".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KIND_VLAN = "vlan".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KIND_VETH = "veth".getBytes(StandardCharsets.US_ASCII);
    private static final LinkKind.Veth VETH = new LinkKind.Veth(null, null);

    /** Aligns to 4 bytes as {@code NLMSG_ALIGN}/{@code RTA_ALIGN} do. */
    public static int align(int n) {
        return (n + 3) & ~3;
    }

    /**
     * Checks the nlmsghdr at {@code off} and returns its length.
     *
     * @throws NetlinkParseException when the header does not fit in {@code end}
     */
    public static int messageLength(ByteBuffer b, int off, int end) {
        if (end - off < NLMSG_HDRLEN) {
            throw new NetlinkParseException("truncated nlmsghdr (" + (end - off) + " bytes left)", off);
        }
        int len = b.getInt(off);
        if (len < NLMSG_HDRLEN || len > end - off) {
            throw new NetlinkParseException(
                    "nlmsg_len " + Integer.toUnsignedString(len) + " outside 16.." + (end - off), off);
        }
        return len;
    }

    /** The type of the message at {@code off}. */
    public static int type(ByteBuffer b, int off) {
        return Short.toUnsignedInt(b.getShort(off + 4));
    }

    /** The flags of the message at {@code off}. */
    public static int flags(ByteBuffer b, int off) {
        return Short.toUnsignedInt(b.getShort(off + 6));
    }

    /** The sequence number of the message at {@code off}. */
    public static int seq(ByteBuffer b, int off) {
        return b.getInt(off + 8);
    }

    /**
     * Decodes an {@code RTM_NEWLINK}/{@code RTM_DELLINK} message.
     *
     * @param b the datagram
     * @param off the message start
     * @param len the message length (from {@link #messageLength})
     * @return the link
     */
    public Link link(ByteBuffer b, int off, int len) {
        int end = off + len;
        int body = off + NLMSG_HDRLEN;
        need(body + IFINFOMSG_LEN <= end, "ifinfomsg does not fit", off);
        int index = b.getInt(body + 4);
        int flags = b.getInt(body + 8);
        String name = null;
        int mtu = 0;
        MacAddress mac = null;
        int parent = 0;
        int netnsid = -1;
        int master = 0;
        int oper = 0;
        LinkKind kind = LinkKind.Generic.NONE;
        int rawBytes = 0;
        int attrs = body + IFINFOMSG_LEN;
        for (int a = attrs; a < end; ) {
            int alen = attrLength(b, a, end);
            int type = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
            int p = a + NLA_HDRLEN;
            int plen = alen - NLA_HDRLEN;
            switch (type) {
                case IFLA_IFNAME -> name = string(b, p, plen);
                case IFLA_MTU -> mtu = u32(b, p, plen, "IFLA_MTU");
                case IFLA_ADDRESS -> mac = plen == 6 ? mac(b, p) : null;
                case IFLA_LINK -> parent = u32(b, p, plen, "IFLA_LINK");
                case IFLA_LINK_NETNSID -> netnsid = u32(b, p, plen, "IFLA_LINK_NETNSID");
                case IFLA_MASTER -> master = u32(b, p, plen, "IFLA_MASTER");
                case IFLA_OPERSTATE -> {
                    need(plen >= 1, "IFLA_OPERSTATE is empty", a);
                    oper = Byte.toUnsignedInt(b.get(p));
                }
                case IFLA_LINKINFO -> kind = linkInfo(b, p, p + plen);
                default -> rawBytes += align(alen);
            }
            a += align(alen);
        }
        need(name != null, "link " + index + " has no IFLA_IFNAME", off);
        RawAttributes raw = rawBytes == 0 ? RawAttributes.EMPTY : raw(b, attrs, end, rawBytes);
        try {
            return new Link(index, name, flags, OperState.of(oper), mtu, mac, parent, netnsid, master, kind, raw);
        } catch (IllegalArgumentException e) {
            throw new NetlinkParseException(e.getMessage(), off);
        }
    }

    private static RawAttributes raw(ByteBuffer b, int from, int end, int size) {
        byte[] out = new byte[size];
        int w = 0;
        for (int a = from; a < end; ) {
            int alen = attrLength(b, a, end);
            int type = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
            if (!isParsedLinkAttr(type)) {
                int copy = Math.min(alen, end - a);
                b.get(a, out, w, copy);
                w += align(alen);
            }
            a += align(alen);
        }
        return new RawAttributes(out);
    }

    private static boolean isParsedLinkAttr(int type) {
        return switch (type) {
            case IFLA_IFNAME,
                    IFLA_MTU,
                    IFLA_ADDRESS,
                    IFLA_LINK,
                    IFLA_LINK_NETNSID,
                    IFLA_MASTER,
                    IFLA_OPERSTATE,
                    IFLA_LINKINFO -> true;
            default -> false;
        };
    }

    private LinkKind linkInfo(ByteBuffer b, int from, int end) {
        int kindAt = -1;
        int kindLen = 0;
        int dataAt = -1;
        int dataEnd = -1;
        for (int a = from; a < end; ) {
            int alen = attrLength(b, a, end);
            int type = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
            if (type == IFLA_INFO_KIND) {
                kindAt = a + NLA_HDRLEN;
                kindLen = alen - NLA_HDRLEN;
            } else if (type == IFLA_INFO_DATA) {
                dataAt = a + NLA_HDRLEN;
                dataEnd = a + alen;
            }
            a += align(alen);
        }
        if (kindAt < 0) {
            return LinkKind.Generic.NONE;
        }
        int n = cStringLength(b, kindAt, kindLen);
        if (equalsAscii(b, kindAt, n, KIND_MACVLAN)) {
            int mode = MACVLAN_MODE_VEPA; // the kernel's default when the attribute is absent
            for (int a = dataAt; dataAt >= 0 && a < dataEnd; ) {
                int alen = attrLength(b, a, dataEnd);
                if ((Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK) == IFLA_MACVLAN_MODE) {
                    mode = u32(b, a + NLA_HDRLEN, alen - NLA_HDRLEN, "IFLA_MACVLAN_MODE");
                }
                a += align(alen);
            }
            try {
                return new LinkKind.Macvlan(MacvlanMode.of(mode));
            } catch (IllegalArgumentException e) {
                throw new NetlinkParseException(e.getMessage(), dataAt);
            }
        }
        if (equalsAscii(b, kindAt, n, KIND_IPVLAN)) {
            return ipvlan(b, dataAt, dataEnd);
        }
        if (equalsAscii(b, kindAt, n, KIND_VLAN)) {
            int id = -1;
            int proto = ETH_P_8021Q;
            for (int a = dataAt; dataAt >= 0 && a < dataEnd; ) {
                int alen = attrLength(b, a, dataEnd);
                int type = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
                if (type == IFLA_VLAN_ID) {
                    need(alen - NLA_HDRLEN >= 2, "IFLA_VLAN_ID shorter than 2 bytes", a);
                    id = Short.toUnsignedInt(b.getShort(a + NLA_HDRLEN));
                } else if (type == IFLA_VLAN_PROTOCOL) {
                    need(alen - NLA_HDRLEN >= 2, "IFLA_VLAN_PROTOCOL shorter than 2 bytes", a);
                    proto = (Byte.toUnsignedInt(b.get(a + NLA_HDRLEN)) << 8)
                            | Byte.toUnsignedInt(b.get(a + NLA_HDRLEN + 1));
                }
                a += align(alen);
            }
            try {
                return new LinkKind.Vlan(id, VlanProtocol.of(proto));
            } catch (IllegalArgumentException e) {
                throw new NetlinkParseException(e.getMessage(), kindAt);
            }
        }
        if (equalsAscii(b, kindAt, n, KIND_VETH)) {
            return VETH;
        }
        return new LinkKind.Generic(string(b, kindAt, kindLen));
    }

    /** Mode and flags of an ipvlan ({@code IFLA_INFO_DATA} at {@code dataAt}, or -1 when absent: the kernel's defaults). */
    private static LinkKind ipvlan(ByteBuffer b, int dataAt, int dataEnd) {
        int mode = IPVLAN_MODE_L3;
        int flags = 0;
        for (int a = dataAt; dataAt >= 0 && a < dataEnd; ) {
            int alen = attrLength(b, a, dataEnd);
            int type = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
            if (type == IFLA_IPVLAN_MODE || type == IFLA_IPVLAN_FLAGS) {
                need(
                        alen - NLA_HDRLEN >= 2,
                        (type == IFLA_IPVLAN_MODE ? "IFLA_IPVLAN_MODE" : "IFLA_IPVLAN_FLAGS") + " shorter than 2 bytes",
                        a);
                int v = Short.toUnsignedInt(b.getShort(a + NLA_HDRLEN));
                if (type == IFLA_IPVLAN_MODE) {
                    mode = v;
                } else {
                    flags = v;
                }
            }
            a += align(alen);
        }
        try {
            return new LinkKind.Ipvlan(IpvlanMode.of(mode), IpvlanFlag.of(flags));
        } catch (IllegalArgumentException e) {
            throw new NetlinkParseException(e.getMessage(), dataAt);
        }
    }

    /**
     * Decodes an {@code RTM_NEWADDR}/{@code RTM_DELADDR} message.
     *
     * @param b the datagram
     * @param off the message start
     * @param len the message length
     * @return the address
     */
    public Address address(ByteBuffer b, int off, int len) {
        int end = off + len;
        int body = off + NLMSG_HDRLEN;
        need(body + IFADDRMSG_LEN <= end, "ifaddrmsg does not fit", off);
        int family = Byte.toUnsignedInt(b.get(body));
        int prefix = Byte.toUnsignedInt(b.get(body + 1));
        int flags = Byte.toUnsignedInt(b.get(body + 2));
        int scope = Byte.toUnsignedInt(b.get(body + 3));
        int index = b.getInt(body + 4);
        need(
                family == LibC.AF_INET || family == LibC.AF_INET6,
                "address family " + family + " is neither AF_INET nor AF_INET6",
                body);
        int alen = family == LibC.AF_INET ? 4 : 16;
        need(prefix <= alen * 8, "prefix length " + prefix + " too long", body + 1);
        InetAddress address = null;
        InetAddress local = null;
        InetAddress broadcast = null;
        String label = null;
        for (int a = body + IFADDRMSG_LEN; a < end; ) {
            int l = attrLength(b, a, end);
            int type = Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK;
            int p = a + NLA_HDRLEN;
            switch (type) {
                case IFA_ADDRESS -> address = inet(b, p, l - NLA_HDRLEN, alen, a);
                case IFA_LOCAL -> local = inet(b, p, l - NLA_HDRLEN, alen, a);
                case IFA_BROADCAST -> broadcast = family == LibC.AF_INET ? inet(b, p, l - NLA_HDRLEN, alen, a) : null;
                case IFA_LABEL -> label = string(b, p, l - NLA_HDRLEN);
                case IFA_FLAGS -> flags = u32(b, p, l - NLA_HDRLEN, "IFA_FLAGS");
                default -> {}
            }
            a += align(l);
        }
        InetAddress mine = local != null ? local : address;
        need(mine != null, "address message without IFA_LOCAL or IFA_ADDRESS", off);
        InetAddress peer = local != null && address != null && !local.equals(address) ? address : null;
        if (label != null && (label.isEmpty() || label.getBytes(StandardCharsets.UTF_8).length > 15)) {
            label = null;
        }
        try {
            return new Address(index, mine, prefix, peer, broadcast, Scope.of(scope), flags, label);
        } catch (IllegalArgumentException e) {
            throw new NetlinkParseException(e.getMessage(), off);
        }
    }

    /**
     * Decodes an {@code RTM_NEWROUTE}/{@code RTM_DELROUTE} message (see {@link RouteParser}).
     *
     * @param b the datagram
     * @param off the message start
     * @param len the message length
     * @return the route, or {@code null} for families other than IPv4/IPv6
     */
    public Route route(ByteBuffer b, int off, int len) {
        return RouteParser.route(b, off, len);
    }

    /**
     * Reads {@code NETNSA_NSID} from an {@code RTM_NEWNSID} reply.
     *
     * @return the nsid, or -1 when the kernel reports none
     */
    public Integer nsid(ByteBuffer b, int off, int len) {
        int end = off + len;
        int attrs = off + NLMSG_HDRLEN + RTGENMSG_LEN;
        need(attrs <= end, "rtgenmsg does not fit", off);
        for (int a = attrs; a < end; ) {
            int l = attrLength(b, a, end);
            if ((Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK) == NETNSA_NSID) {
                return u32(b, a + NLA_HDRLEN, l - NLA_HDRLEN, "NETNSA_NSID");
            }
            a += align(l);
        }
        return NETNSA_NSID_NOT_ASSIGNED;
    }

    /**
     * Reads an nlmsgerr at {@code off}: the (negative) error, and the extended-ACK message if any.
     *
     * @return the errno as a non-negative number (0 = success)
     */
    public static int errorCode(ByteBuffer b, int off, int len) {
        need(len >= NLMSG_HDRLEN + 4, "NLMSG_ERROR without error code", off);
        return -b.getInt(off + NLMSG_HDRLEN);
    }

    /** The {@code NLMSGERR_ATTR_MSG} text of an error message, or {@code null}. */
    public String extAck(ByteBuffer b, int off, int len) {
        int flags = flags(b, off);
        if ((flags & NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int end = off + len;
        int inner = off + NLMSG_HDRLEN + 4;
        if (inner + NLMSG_HDRLEN > end) {
            return null;
        }
        int tlvs = (flags & NLM_F_CAPPED) != 0 ? inner + NLMSG_HDRLEN : inner + align(b.getInt(inner));
        if (tlvs < inner || tlvs > end) {
            return null;
        }
        for (int a = tlvs; a < end; ) {
            int l = attrLength(b, a, end);
            if ((Short.toUnsignedInt(b.getShort(a + 2)) & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
                return string(b, a + NLA_HDRLEN, l - NLA_HDRLEN);
            }
            a += align(l);
        }
        return null;
    }

    // -- bounds-checked primitives --

    static int attrLength(ByteBuffer b, int a, int end) {
        if (end - a < NLA_HDRLEN) {
            throw new NetlinkParseException("truncated rtattr header (" + (end - a) + " bytes left)", a);
        }
        int len = Short.toUnsignedInt(b.getShort(a));
        if (len < NLA_HDRLEN || len > end - a) {
            throw new NetlinkParseException("rtattr length " + len + " outside 4.." + (end - a), a);
        }
        return len;
    }

    static void need(boolean ok, String what, int at) {
        if (!ok) {
            throw new NetlinkParseException(what, at);
        }
    }

    static int u32(ByteBuffer b, int p, int plen, String what) {
        if (plen < 4) {
            throw new NetlinkParseException(what + " shorter than 4 bytes", p);
        }
        return b.getInt(p);
    }

    private static MacAddress mac(ByteBuffer b, int p) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | Byte.toUnsignedLong(b.get(p + i));
        }
        return new MacAddress(v);
    }

    static InetAddress inet(ByteBuffer b, int p, int plen, int alen, int at) {
        if (plen != alen) {
            throw new NetlinkParseException("address attribute of " + plen + " bytes, expected " + alen, at);
        }
        byte[] raw = new byte[alen];
        b.get(p, raw);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new NetlinkParseException("bad address length", at);
        }
    }

    static int cStringLength(ByteBuffer b, int p, int plen) {
        int n = 0;
        while (n < plen && b.get(p + n) != 0) {
            n++;
        }
        return n;
    }

    private String string(ByteBuffer b, int p, int plen) {
        int n = cStringLength(b, p, plen);
        // A fresh array rather than a scratch field: names are a few bytes, and a parser lives as long as its socket
        // (a guardian keeps two per namespace).
        byte[] tmp = new byte[n];
        b.get(p, tmp, 0, n);
        return new String(tmp, StandardCharsets.UTF_8);
    }

    private static boolean equalsAscii(ByteBuffer b, int p, int n, byte[] expected) {
        if (n != expected.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (b.get(p + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
