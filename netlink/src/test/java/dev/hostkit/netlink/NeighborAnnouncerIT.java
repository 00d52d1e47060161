package dev.hostkit.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.internal.PacketSocket;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.hostkit.netlink.LinksIT.ipJson;
import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Announcements seen from the other end of the wire: a macvlan in the container namespace on a veth whose peer,
 * in the test's outside namespace, carries a capture socket and the neighbour entries the frames must update.
 */
@HostTest
class NeighborAnnouncerIT {
    private static final MacAddress MAC = MacAddress.parse("02:42:0a:4d:00:02");
    private static final MacAddress STALE = MacAddress.parse("02:00:00:00:00:99");

    /** One captured announcement: "arp 10.77.0.2" or "na fd77::2", from our MAC only. */
    private static List<String> announcements(PacketSocket capture, Duration quiet) throws Exception {
        List<String> out = new ArrayList<>();
        for (byte[] f; (f = capture.receive(quiet)) != null; ) {
            if (!Arrays.equals(Arrays.copyOfRange(f, 6, 12), MAC.bytes())) {
                continue; // the outside end's own traffic
            }
            int type = ((f[12] & 0xff) << 8) | (f[13] & 0xff);
            if (type == 0x0806) {
                // Sender MAC and IP, target IP; a gratuitous ARP has sender IP == target IP.
                assertThat(Arrays.copyOfRange(f, 22, 28)).as("ARP sender MAC").isEqualTo(MAC.bytes());
                InetAddress sender = InetAddress.getByAddress(Arrays.copyOfRange(f, 28, 32));
                InetAddress target = InetAddress.getByAddress(Arrays.copyOfRange(f, 38, 42));
                out.add("arp " + Cidr.text(sender) + (sender.equals(target) ? "" : " for " + Cidr.text(target)));
            } else if (type == 0x86dd && (f[20] & 0xff) == 58 && (f[54] & 0xff) == 136) {
                assertThat(f[21] & 0xff).as("hop limit").isEqualTo(255);
                assertThat(Arrays.copyOfRange(f, 0, 6)).as("to all nodes").isEqualTo(new byte[] {0x33, 0x33, 0, 0, 0, 1
                });
                assertThat(f[58] & 0xe0).as("router/solicited/override").isEqualTo(0x20);
                assertThat(Arrays.copyOfRange(f, 78, 86))
                        .as("target link-layer address option")
                        .isEqualTo(new byte[] {2, 1, 0x02, 0x42, 0x0a, 0x4d, 0x00, 0x02});
                out.add("na " + Cidr.text(InetAddress.getByAddress(Arrays.copyOfRange(f, 62, 78))));
            }
        }
        return out;
    }

    private static String lladdrOf(TestNetns ns, String ip) throws Exception {
        for (JsonNode n : ipJson(ns, "neigh", "show", "dev", "hkp1")) {
            if (n.path("dst").asText().equals(ip)) {
                return n.path("lladdr").asText();
            }
        }
        return null;
    }

    @Test
    void sendsExactlyCountGratuitousArpsAndNeighborAdvertisementsPerAddressAndNoneWhenOff(
            TestNetns outside, TestNetns container) throws Exception {
        outside.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        outside.exec("ip", "link", "set", "hkp0", "up");
        outside.exec("ip", "link", "set", "hkp1", "up");
        outside.exec("ip", "addr", "add", "10.77.0.1/24", "dev", "hkp1");
        outside.exec("ip", "addr", "add", "fd77::1/64", "dev", "hkp1", "nodad");
        // Entries with a wrong MAC: a neighbour that cached the interface before it was re-created elsewhere.
        outside.exec("ip", "neigh", "replace", "10.77.0.2", "lladdr", STALE.toString(), "dev", "hkp1", "nud", "stale");
        outside.exec("ip", "neigh", "replace", "fd77::2", "lladdr", STALE.toString(), "dev", "hkp1", "nud", "stale");
        try (RtNetlink host = rtIn(outside);
                NetNamespace outsideNs = outside.open();
                NetNamespace target = container.open();
                RtNetlink inside = RtNetlink.open(target)) {
            int parent = host.link("hkp0").orElseThrow().index();
            Link eth1 = host.createLink(LinkSpec.macvlan("eth1", parent, MacvlanMode.BRIDGE)
                    .withMac(MAC)
                    .up()
                    .inNamespace(target));
            inside.batch()
                    .addAddress(Address.of(eth1.index(), "10.77.0.2/24"))
                    .addAddress(Address.of(eth1.index(), "fd77::2/64").withFlags(AddressFlag.NODAD))
                    .addAddress(Address.of(eth1.index(), "169.254.7.7/16"))
                    .addAddress(Address.of(eth1.index(), "fd77::3/64")) // in DAD for a second: tentative
                    .executeOrThrow();
            List<Address> live = inside.addresses(eth1.index());
            assertThat(live).anyMatch(a -> a.cidr().equals("fd77::3/64") && a.has(AddressFlag.TENTATIVE));
            assertThat(live).anyMatch(a -> a.address().isLinkLocalAddress() && a.family() == AddressFamily.INET6);

            try (PacketSocket capture = PacketSocket.openCapture(
                    outsideNs, host.link("hkp1").orElseThrow().index())) {
                assertThat(NeighborAnnouncer.announce(target, eth1, live, Announcement.OFF))
                        .isZero();
                assertThat(NeighborAnnouncer.announce(target, eth1, live, new Announcement(0, Duration.ofMillis(10))))
                        .isZero();
                assertThat(announcements(capture, Duration.ofMillis(300)))
                        .as("nothing when turned off")
                        .isEmpty();
                assertThat(lladdrOf(outside, "10.77.0.2")).isEqualTo(STALE.toString());

                int sent = NeighborAnnouncer.announce(target, eth1, live, new Announcement(3, Duration.ofMillis(50)));
                assertThat(sent).isEqualTo(6);
                List<String> seen = announcements(capture, Duration.ofMillis(500));
                // Exactly three per announceable address; none for 169.254/16, fe80::/10 or the tentative fd77::3.
                assertThat(seen)
                        .containsExactlyInAnyOrder(
                                "arp 10.77.0.2",
                                "arp 10.77.0.2",
                                "arp 10.77.0.2",
                                "na fd77::2",
                                "na fd77::2",
                                "na fd77::2");
            }
            // The real neighbour on the other end took them: its cached MAC is now the interface's.
            assertThat(lladdrOf(outside, "10.77.0.2")).isEqualTo(MAC.toString());
            assertThat(lladdrOf(outside, "fd77::2")).isEqualTo(MAC.toString());
        }
    }

    @Test
    void anAnnouncerWithNothingToAnnounceOpensNoSocketAndOneWithAddressesClosesOnEveryPath(
            TestNetns outside, TestNetns container) throws Exception {
        outside.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        try (RtNetlink host = rtIn(outside);
                NetNamespace target = container.open();
                RtNetlink inside = RtNetlink.open(target)) {
            Link eth1 = host.createLink(
                    LinkSpec.macvlan("eth1", host.link("hkp0").orElseThrow().index(), MacvlanMode.BRIDGE)
                            .withMac(MAC)
                            .inNamespace(target)); // down: the kernel refuses to send
            inside.addAddress(Address.of(eth1.index(), "10.77.0.2/24"));
            try (NeighborAnnouncer none =
                    NeighborAnnouncer.open(target, eth1, List.of(Address.of(eth1.index(), "169.254.1.1/16")))) {
                assertThat(none.announced()).isEmpty();
                assertThat(none.sendRound()).isZero();
            }
            List<Address> addrs = inside.addresses(eth1.index());
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> NeighborAnnouncer.announce(target, eth1, addrs, Announcement.DEFAULT))
                    .isInstanceOf(dev.hostkit.core.NativeException.class)
                    .hasMessageContaining("ENETDOWN")
                    .hasMessageContaining("index " + eth1.index());
        }
    }
}
