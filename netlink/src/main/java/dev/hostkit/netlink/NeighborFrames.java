package dev.hostkit.netlink;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.ByteBuffer;

import static dev.hostkit.netlink.internal.RtnlConstants.ETH_P_ARP;
import static dev.hostkit.netlink.internal.RtnlConstants.ETH_P_IP;
import static dev.hostkit.netlink.internal.RtnlConstants.ETH_P_IPV6;

/**
 * Builds the two announcement frames, whole Ethernet frames in network byte order: the IPv4 gratuitous ARP
 * (request form, RFC 5227 "ARP announcement") and the IPv6 unsolicited neighbour advertisement (RFC 4861 7.2.6).
 * Pure functions of the MAC and the address.
 */
final class NeighborFrames {
    // linux/if_arp.h
    static final int ARPHRD_ETHER = 1;
    static final int ARPOP_REQUEST = 1;
    // linux/in6.h, net/ndisc.h
    static final int IPPROTO_ICMPV6 = 58;
    static final int NDISC_NEIGHBOUR_ADVERTISEMENT = 136;
    static final int ND_OPT_TARGET_LL_ADDR = 2;
    /** The override flag of a neighbour advertisement (the first bits are router, solicited, override). */
    static final int NA_FLAG_OVERRIDE = 0x20;
    /** Hop limit every neighbour discovery message carries, so a receiver knows it was not routed. */
    static final int ND_HOP_LIMIT = 255;

    static final int ETH_HLEN = 14;
    static final int ARP_FRAME_LEN = ETH_HLEN + 28;
    static final int IPV6_HLEN = 40;
    static final int NA_LEN = 24 + 8; // icmp6 header, flags, target; one target link-layer address option
    static final int NA_FRAME_LEN = ETH_HLEN + IPV6_HLEN + NA_LEN;

    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    /** ff02::1, all nodes on the link. */
    private static final byte[] ALL_NODES = {(byte) 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    /** 33:33 followed by the group's last four bytes (RFC 2464). */
    private static final byte[] ALL_NODES_MAC = {0x33, 0x33, 0, 0, 0, 1};

    private NeighborFrames() {}

    /**
     * Gratuitous ARP: broadcast ARP request whose sender and target IP are both {@code ip}, sender MAC
     * {@code mac}, target MAC zero (RFC 5227 says it is ignored and should be zero; the kernel's own is too).
     */
    static byte[] gratuitousArp(MacAddress mac, Inet4Address ip) {
        byte[] m = mac.bytes();
        byte[] a = ip.getAddress();
        ByteBuffer b = ByteBuffer.allocate(ARP_FRAME_LEN);
        b.put(BROADCAST).put(m).putShort((short) ETH_P_ARP);
        b.putShort((short) ARPHRD_ETHER)
                .putShort((short) ETH_P_IP)
                .put((byte) 6)
                .put((byte) 4)
                .putShort((short) ARPOP_REQUEST);
        b.put(m).put(a).put(new byte[6]).put(a);
        return b.array();
    }

    /**
     * Unsolicited neighbour advertisement from {@code ip} to ff02::1: override set, router and solicited clear,
     * target {@code ip}, target link-layer address option {@code mac}, hop limit 255, ICMPv6 checksum filled in.
     */
    static byte[] unsolicitedNeighborAdvertisement(MacAddress mac, Inet6Address ip) {
        byte[] m = mac.bytes();
        byte[] a = ip.getAddress();
        ByteBuffer b = ByteBuffer.allocate(NA_FRAME_LEN);
        b.put(ALL_NODES_MAC).put(m).putShort((short) ETH_P_IPV6);
        b.putInt(0x6000_0000)
                .putShort((short) NA_LEN)
                .put((byte) IPPROTO_ICMPV6)
                .put((byte) ND_HOP_LIMIT);
        b.put(a).put(ALL_NODES); // the source is the address itself, as the kernel's own unsolicited NA
        int icmp = b.position();
        b.put((byte) NDISC_NEIGHBOUR_ADVERTISEMENT).put((byte) 0).putShort((short) 0);
        b.put((byte) NA_FLAG_OVERRIDE).put(new byte[3]).put(a);
        b.put((byte) ND_OPT_TARGET_LL_ADDR).put((byte) 1).put(m); // length in units of 8 bytes
        byte[] frame = b.array();
        int sum = icmpv6Checksum(a, ALL_NODES, frame, icmp, NA_LEN);
        frame[icmp + 2] = (byte) (sum >>> 8);
        frame[icmp + 3] = (byte) sum;
        return frame;
    }

    /**
     * The ICMPv6 checksum (RFC 4443 2.3): one's complement of the one's complement sum over the IPv6 pseudo-header
     * (source, destination, upper-layer length, next header) and the message with its checksum field zero.
     */
    static int icmpv6Checksum(byte[] src, byte[] dst, byte[] msg, int off, int len) {
        long sum = 0;
        sum += sum16(src, 0, 16) + sum16(dst, 0, 16);
        sum += len + IPPROTO_ICMPV6; // upper-layer length (32 bits) and 3 zero bytes + next header
        sum += sum16(msg, off, len);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static long sum16(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xff) << 8;
        }
        return s;
    }
}
