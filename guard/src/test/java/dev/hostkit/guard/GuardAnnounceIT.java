package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.Cidr;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.netlink.internal.PacketSocket;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After a repair the guardian tells the wire where the interface is: seen from the parent's veth peer, in the test's
 * namespace, through a capture socket: N gratuitous ARPs and N unsolicited NAs per address, from the interface's MAC.
 */
@HostTest
class GuardAnnounceIT {
    @TempDir
    Path state;

    /** Announcements from {@code mac} seen until {@code quiet} passes without a frame: "arp 10.77.0.2", "na fd00:77::2". */
    private static List<String> announcements(PacketSocket capture, MacAddress mac, Duration quiet) throws Exception {
        List<String> out = new ArrayList<>();
        for (byte[] f; (f = capture.receive(quiet)) != null; ) {
            if (!Arrays.equals(Arrays.copyOfRange(f, 6, 12), mac.bytes())) {
                continue;
            }
            int type = ((f[12] & 0xff) << 8) | (f[13] & 0xff);
            if (type == 0x0806) {
                assertThat(Arrays.copyOfRange(f, 22, 28)).as("ARP sender MAC").isEqualTo(mac.bytes());
                InetAddress sender = InetAddress.getByAddress(Arrays.copyOfRange(f, 28, 32));
                InetAddress target = InetAddress.getByAddress(Arrays.copyOfRange(f, 38, 42));
                out.add("arp " + Cidr.text(sender) + (sender.equals(target) ? "" : " for " + Cidr.text(target)));
            } else if (type == 0x86dd && (f[20] & 0xff) == 58 && (f[54] & 0xff) == 136) {
                assertThat(Arrays.copyOfRange(f, 80, 86))
                        .as("target link-layer address")
                        .isEqualTo(mac.bytes());
                out.add("na " + Cidr.text(InetAddress.getByAddress(Arrays.copyOfRange(f, 62, 78))));
            }
        }
        return out;
    }

    private List<String> repairAndCapture(TestNetns a, Announcement announce, List<GuardEvent> repaired)
            throws Exception {
        return repairAndCapture(a, announce, repaired, false);
    }

    private List<String> repairAndCapture(
            TestNetns a, Announcement announce, List<GuardEvent> repaired, boolean closeAtOnce) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            MacAddress mac = MacAddress.parse(GuardTestNet.in(a.path(), "ip", "-br", "link", "show", "eth1")
                    .strip()
                    .split("\\s+")[2]);
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .announce(announce)
                    .build()) {
                g.reconcileOnce();
                parent.unload();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.LOST);
                parent.load();
                int peer = Integer.parseInt(Sh.run("cat", "/sys/class/net/" + parent.peer() + "/ifindex")
                        .strip());
                try (NetNamespace host = NetNamespace.open(Path.of("/proc/self/ns/net"));
                        PacketSocket capture = PacketSocket.openCapture(host, peer)) {
                    List<GuardEvent> pass = g.reconcileOnce();
                    assertThat(pass).extracting(GuardEvent::type).containsExactly(Type.REPAIRED);
                    repaired.addAll(pass);
                    if (closeAtOnce) {
                        g.close(); // the later rounds are cancelled and their socket closed
                    }
                    return announcements(capture, mac, Duration.ofMillis(600));
                }
            }
        }
    }

    @Test
    void announcesEachRestoredAddressTheConfiguredNumberOfTimesFromTheInterfacesMacAndNotItsLinkLocal(TestNetns a)
            throws Exception {
        List<GuardEvent> repaired = new ArrayList<>();
        List<String> seen = repairAndCapture(a, new Announcement(3, Duration.ofMillis(50)), repaired);
        // eth1 has 10.77.0.2 and fd00:77::2, plus the kernel's fe80:: link-local: never announced.
        assertThat(seen)
                .containsExactlyInAnyOrder(
                        "arp 10.77.0.2",
                        "arp 10.77.0.2",
                        "arp 10.77.0.2",
                        "na fd00:77::2",
                        "na fd00:77::2",
                        "na fd00:77::2");
        assertThat(repaired.get(0).announced()).isEqualTo(2);
        assertThat(repaired.get(0).toJsonLine()).contains("\"announced\":2");
    }

    @Test
    void announcesNothingWhenTurnedOff(TestNetns a) throws Exception {
        List<GuardEvent> repaired = new ArrayList<>();
        assertThat(repairAndCapture(a, Announcement.OFF, repaired)).isEmpty();
        assertThat(repaired.get(0).announced()).isZero();
    }

    @Test
    void closingTheGuardianCancelsTheRoundsNotYetSent(TestNetns a) throws Exception {
        List<GuardEvent> repaired = new ArrayList<>();
        // Five rounds a second apart; the guardian closes right after the repair: only the first round goes out.
        assertThat(repairAndCapture(a, new Announcement(5, Duration.ofSeconds(1)), repaired, true))
                .containsExactlyInAnyOrder("arp 10.77.0.2", "na fd00:77::2");
        assertThat(repaired.get(0).announced()).isEqualTo(2);
    }

    @Test
    void aBatchHoldsItsFirstRoundsUntilItsLastRepairIsDoneAndTheCountIsKnownAtOnce(TestNetns a) throws Exception {
        // Two repairs in one batch (as a parent's return starts them): the first one's announcements wait for the
        // second (the hold is long enough never to end the wait here), then every round goes, spaced as planned.
        List<String> seen = announceInBatch(a, Duration.ofMinutes(1), true);
        assertThat(seen).containsExactlyInAnyOrder("arp 10.77.0.2", "arp 10.77.0.2", "na fd00:77::2", "na fd00:77::2");
    }

    @Test
    void aBatchWhoseLastRepairNeverEndsReleasesItsAnnouncementsAfterTheHold(TestNetns a) throws Exception {
        List<String> seen = announceInBatch(a, Duration.ofMillis(100), false);
        assertThat(seen).containsExactlyInAnyOrder("arp 10.77.0.2", "arp 10.77.0.2", "na fd00:77::2", "na fd00:77::2");
    }

    private List<String> announceInBatch(TestNetns a, Duration maxHold, boolean finishSecond) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            int peer = Integer.parseInt(Sh.run("cat", "/sys/class/net/" + parent.peer() + "/ifindex")
                    .strip());
            try (NetNamespace ns = NetNamespace.open(a.path());
                    RtNetlink nl = RtNetlink.open(ns);
                    NetNamespace host = NetNamespace.open(Path.of("/proc/self/ns/net"));
                    PacketSocket capture = PacketSocket.openCapture(host, peer);
                    Announcer announcer = new Announcer(new Announcement(2, Duration.ofMillis(50)))) {
                Link eth1 = nl.link("eth1").orElseThrow();
                List<Address> addrs = nl.addresses(eth1.index());
                Announcer.Batch batch = new Announcer.Batch(maxHold);
                int[] announced = new int[1];
                Runnable first = batch.around(() -> announced[0] = announcer.announce(ns, eth1, addrs));
                Runnable second = batch.around(() -> {});
                batch.seal();
                first.run();
                assertThat(announced[0])
                        .as("announced, counted before anything is sent")
                        .isEqualTo(2);
                if (finishSecond) {
                    assertThat(batch.held()).isEqualTo(1);
                    assertThat(announcer.inFlight()).isEqualTo(1);
                    second.run(); // the batch's last repair: the held rounds start
                    assertThat(batch.held()).isZero();
                }
                List<String> seen = announcements(capture, eth1.mac(), Duration.ofMillis(600));
                assertThat(announcer.inFlight())
                        .as("every round sent, socket closed")
                        .isZero();
                return seen;
            }
        }
    }
}
