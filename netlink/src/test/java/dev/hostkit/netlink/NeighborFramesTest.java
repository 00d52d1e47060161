package dev.hostkit.netlink;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The announcement frames, byte by byte, against layouts written out by hand from RFC 826/5227 and RFC 4861/8200. */
class NeighborFramesTest {
    private static final MacAddress MAC = MacAddress.parse("02:42:0a:00:00:02");

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void gratuitousArpIsABroadcastRequestWithSenderAndTargetIpBothTheAddress() {
        byte[] frame = NeighborFrames.gratuitousArp(MAC, (Inet4Address) Cidr.address("10.0.0.2"));
        assertThat(frame)
                .isEqualTo(hex(
                        "ffffffffffff 02420a000002 0806" // Ethernet: broadcast, from the interface, ARP
                                + "0001 0800 06 04 0001" // htype Ethernet, ptype IPv4, hlen 6, plen 4, op request
                                + "02420a000002 0a000002" // sender MAC, sender IP
                                + "000000000000 0a000002")); // target MAC zero (RFC 5227), target IP = sender IP
    }

    @Test
    void unsolicitedNeighborAdvertisementHasOverrideHopLimit255AndAValidChecksum() {
        byte[] frame = NeighborFrames.unsolicitedNeighborAdvertisement(MAC, (Inet6Address) Cidr.address("fd00::2"));
        assertThat(frame)
                .isEqualTo(hex(
                        "333300000001 02420a000002 86dd" // Ethernet: all-nodes multicast MAC, from the interface, IPv6
                                + "60000000 0020 3a ff" // version 6, payload 32, next header ICMPv6, hop limit 255
                                + "fd000000000000000000000000000002" // source: the address
                                + "ff020000000000000000000000000001" // destination: ff02::1
                                + "88 00 5056" // type 136, code 0, checksum (computed apart, in Python)
                                + "20000000" // router 0, solicited 0, override 1
                                + "fd000000000000000000000000000002" // target: the address
                                + "02 01 02420a000002")); // option target link-layer address, 1 unit of 8 bytes
    }

    @Test
    void checksumOfTheWholeMessageWithItsPseudoHeaderFoldsToZero() {
        for (String a : List.of("fd00::2", "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", "fe80::ffff:0:1", "fd77::3")) {
            Inet6Address ip = (Inet6Address) Cidr.address(a);
            byte[] frame = NeighborFrames.unsolicitedNeighborAdvertisement(MacAddress.parse("fe:ff:ff:ff:ff:ff"), ip);
            // Receivers verify by summing everything, checksum included: the one's complement result must be 0.
            int verify = NeighborFrames.icmpv6Checksum(
                    ip.getAddress(), hex("ff020000000000000000000000000001"), frame, 54, 32);
            assertThat(verify).as("verification sum for %s", a).isZero();
        }
    }

    @Test
    void announcementRefusesCountsAndSpacingsOutOfRange() {
        assertThat(Announcement.DEFAULT).isEqualTo(new Announcement(3, Duration.ofMillis(100)));
        assertThatThrownBy(() -> new Announcement(-1, Duration.ZERO)).hasMessageContaining("0..100");
        assertThatThrownBy(() -> new Announcement(101, Duration.ZERO)).hasMessageContaining("0..100");
        assertThatThrownBy(() -> new Announcement(3, Duration.ofMillis(-1))).hasMessageContaining("spacing");
        assertThatThrownBy(() -> new Announcement(3, Duration.ofSeconds(11))).hasMessageContaining("spacing");
    }

    @Test
    void skipsLinkLocalTentativeAndNoarpAddresses() {
        Link eth = new Link(
                7,
                "eth1",
                0x1 | 0x2,
                OperState.UP,
                1500,
                MAC,
                3,
                0,
                0,
                new LinkKind.Macvlan(MacvlanMode.BRIDGE),
                RawAttributes.EMPTY);
        assertThat(NeighborAnnouncer.isAnnounceable(eth, Address.of(7, "10.0.0.2/24")))
                .isTrue();
        assertThat(NeighborAnnouncer.isAnnounceable(
                        eth, Address.of(7, "fd00::2/64").withFlags(AddressFlag.PERMANENT)))
                .isTrue();
        assertThat(NeighborAnnouncer.isAnnounceable(eth, Address.of(7, "169.254.1.2/16")))
                .isFalse();
        assertThat(NeighborAnnouncer.isAnnounceable(eth, Address.of(7, "fe80::42:aff:fe00:2/64")))
                .isFalse();
        assertThat(NeighborAnnouncer.isAnnounceable(
                        eth, Address.of(7, "fd00::3/64").withFlags(AddressFlag.TENTATIVE)))
                .isFalse();
        assertThat(NeighborAnnouncer.isAnnounceable(
                        eth, Address.of(7, "fd00::4/64").withFlags(AddressFlag.DADFAILED)))
                .isFalse();
        Link l3 = new Link(
                8,
                "eth2",
                0x1 | 0x80,
                OperState.UNKNOWN,
                1500,
                MAC,
                3,
                0,
                0,
                new LinkKind.Ipvlan(IpvlanMode.L3, IpvlanFlag.BRIDGE),
                RawAttributes.EMPTY);
        assertThat(NeighborAnnouncer.isAnnounceable(l3, Address.of(8, "10.0.0.3/24")))
                .as("IFF_NOARP: ipvlan L3")
                .isFalse();
        assertThatThrownBy(() -> NeighborAnnouncer.open(null, eth, List.of())).hasMessageContaining("closed namespace");
    }
}
