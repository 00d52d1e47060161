package dev.hostkit.guard;

import dev.hostkit.guard.SnapshotCodec.BadStateException;
import dev.hostkit.guard.SnapshotCodec.Decoded;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.IpvlanFlag;
import dev.hostkit.netlink.IpvlanMode;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.NextHop;
import dev.hostkit.netlink.Route;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotCodecTest {
    private final NamespaceRef ns = Snapshots.ns(4026532999L);
    private final NamespaceState state = new NamespaceState(ns, List.of(Snapshots.eth1(ns)));
    private final String text = SnapshotCodec.encode(state);

    @Test
    void roundTripsEveryField() throws Exception {
        Decoded d = SnapshotCodec.decode(text);
        assertThat(d.state()).isEqualTo(state);
        assertThat(d.refused()).isEmpty();
        assertThat(text)
                .contains(
                        "\"mode\":\"bridge\"",
                        "\"mac\":\"02:42:ac:11:00:02\"",
                        "\"flags\":4",
                        "\"label\":\"eth1\"",
                        "\"table\":100",
                        "\"index\":5",
                        "\"destination\":null");
    }

    @Test
    void aMacvlanIsWrittenWithoutKindOrFlagAsEarlierVersionsWroteIt() {
        assertThat(text).doesNotContain("\"kind\":\"macvlan\"", "\"flag\"");
    }

    @Test
    void roundTripsIpvlansOfEveryModeAndFlag() throws Exception {
        for (IpvlanMode mode : IpvlanMode.values()) {
            for (IpvlanFlag flag : IpvlanFlag.values()) {
                NamespaceState s = new NamespaceState(ns, List.of(Snapshots.ipvlan(ns, mode, flag)));
                String t = SnapshotCodec.encode(s);
                assertThat(t)
                        .contains(
                                "\"kind\":\"ipvlan\"",
                                "\"mode\":\"" + mode.ipName() + "\"",
                                "\"flag\":\"" + flag.ipName() + "\"");
                Decoded d = SnapshotCodec.decode(t);
                assertThat(d.state()).isEqualTo(s);
                assertThat(d.refused()).isEmpty();
            }
        }
    }

    @Test
    void aBadIpvlanKindModeOrFlagIsRefusedAloneNamingItsField() throws Exception {
        String ipv = SnapshotCodec.encode(
                new NamespaceState(ns, List.of(Snapshots.ipvlan(ns, IpvlanMode.L3, IpvlanFlag.VEPA))));
        refusedOne(
                ipv.replace("\"kind\":\"ipvlan\"", "\"kind\":\"bond\""),
                "field \"interfaces[0].kind\": must be macvlan or ipvlan, was 'bond'");
        refusedOne(
                ipv.replace("\"mode\":\"l3\"", "\"mode\":\"bridge\""),
                "field \"interfaces[0].mode\": not an ipvlan mode: 'bridge'");
        refusedOne(
                ipv.replace("\"flag\":\"vepa\"", "\"flag\":\"loud\""),
                "field \"interfaces[0].flag\": not an ipvlan flag: 'loud'");
        refusedOne(ipv.replace(",\"flag\":\"vepa\"", ""), "field \"interfaces[0].flag\": missing");
        refusedOne(
                text.replace("\"mode\":\"bridge\"", "\"mode\":\"bridge\",\"flag\":\"vepa\""),
                "field \"interfaces[0].flag\": a macvlan has no flag");
    }

    /** eth1 (index 7) with a default route over itself and eth2 (index 8), and a route that used nexthop object 12. */
    private InterfaceSnapshot multipath() {
        InterfaceSnapshot s = Snapshots.eth1(ns);
        Route mp = Route.defaultRoute(AddressFamily.INET)
                .withNextHops(
                        NextHop.via("10.9.0.1", 7),
                        NextHop.via("10.8.0.1", 8).withWeight(3).onlink());
        Route nh = Route.to("10.50.0.0/16").via("10.9.0.1").dev(7).withNexthopId(12);
        return new InterfaceSnapshot(
                ns,
                7,
                "eth1",
                s.mac(),
                s.mtu(),
                s.kind(),
                true,
                s.parent(),
                5,
                s.addresses(),
                List.of(mp, nh),
                s.takenAtMillis(),
                Map.of(8, "eth2"));
    }

    @Test
    void roundTripsMultipathRoutesWithTheirNextHopsLinkNamesAndNexthopId() throws Exception {
        NamespaceState mp = new NamespaceState(ns, List.of(multipath()));
        String t = SnapshotCodec.encode(mp);
        assertThat(t)
                .contains(
                        "\"nexthops\":[{\"gateway\":\"10.9.0.1\",\"index\":7,\"device\":\"eth1\",\"weight\":1,\"flags\":0},"
                                + "{\"gateway\":\"10.8.0.1\",\"index\":8,\"device\":\"eth2\",\"weight\":3,\"flags\":4}]",
                        "\"nexthopId\":12");
        assertThat(text).as("single-path routes are written as before").doesNotContain("nexthops", "nexthopId");
        assertThat(SnapshotCodec.decode(t).state()).isEqualTo(mp);
        refusedOne(
                t.replace("\"weight\":3", "\"weight\":257"),
                "field \"interfaces[0].routes[0].nexthops[1].weight\": 257 is out of range 1..256");
        refusedOne(
                t.replace("\"device\":\"eth2\"", "\"device\":\"../x\""), "interfaces[0].routes[0].nexthops[1].device");
    }

    @Test
    void aRecreatedInterfaceMovesItsOwnNextHopsAndKeepsItsSiblingsByName() {
        InterfaceSnapshot moved = multipath().recreated(31, 9, 2L);
        assertThat(moved.routes().get(0).nextHops())
                .extracting(NextHop::outputIndex)
                .containsExactly(31, 8);
        assertThat(moved.hopLinks()).containsExactly(Map.entry(8, "eth2"));
    }

    @Test
    void aFileOfTheWrongShapeIsRefusedWholeNamingTheField() {
        refusedWhole(text.replace("\"mtu\":1500", "\"mtu\":\"1500\""), "field \"interfaces[0].mtu\":");
        refusedWhole(text.replace("\"mtu\":1500", "\"mtu\":1500.0"), "field \"interfaces[0].mtu\":");
        refusedWhole(text.replace("\"mtu\":1500,", ""), "field \"interfaces[0].mtu\": missing");
        refusedWhole(
                text.replace("\"mtu\":1500,", "\"mtu\":1500,\"speed\":10,"),
                "field \"interfaces[0].speed\": unknown field");
        refusedWhole(text.replace("\"cookie\":77,", ""), "field \"namespace.cookie\": missing");
        refusedWhole(
                text.replace("\"version\":1,", "\"version\":1,\"owner\":\"x\","), "field \"owner\": unknown field");
        refusedWhole(
                text.replace("\"label\":\"eth1\"", "\"label\":\"eth1\",\"label\":\"eth2\""), "Duplicate field 'label'");
        refusedWhole(text.replace("\"up\":true", "\"up\":1"), "field \"interfaces[0].up\":");
        refusedWhole(text.replace("\"name\":\"eth1\"", "\"name\":7"), "field \"interfaces[0].name\":");
        refusedWhole(text.replace("\"version\":1", "\"version\":2"), "unsupported state version 2");
        refusedWhole(text.replace("\"version\":1,", ""), "field \"version\": missing");
        refusedWhole(
                text.replace("\"existing\"", "\"bond\""),
                "field \"interfaces[0].parent.kind\": unknown parent kind 'bond'");
        refusedWhole(text.replace("\"kind\":\"existing\",", ""), "field \"interfaces[0].parent.kind\": missing");
        refusedWhole(text.replace("\"existing\"", "\"vlan\""), "field \"interfaces[0].parent.lower\": missing");
        refusedWhole(
                text.replace("\"inode\":4026532999", "\"inode\":0"), "field \"namespace.inode\": 0 is out of range");
        refusedWhole(text.replace("\"interfaces\":[", "\"interfaces\":null,\"x\":["), "");
        refusedWhole(text.strip() + " {}", "");
        refusedWhole("[]", "not a JSON object");
        refusedWhole("", "empty");
        refusedWhole("{", "not valid JSON");
        refusedWhole("[".repeat(100), "");
    }

    @Test
    void aBadInterfaceIsRefusedAloneNamingItsField() throws Exception {
        refusedOne(
                text.replace("\"mtu\":1500", "\"mtu\":9"), "field \"interfaces[0].mtu\": 9 is out of range 68..65535");
        refusedOne(
                text.replace("\"mtu\":1500", "\"mtu\":65536"),
                "field \"interfaces[0].mtu\": 65536 is out of range 68..65535");
        refusedOne(text.replace("bridge", "hub"), "field \"interfaces[0].mode\": not a macvlan mode: 'hub'");
        refusedOne(text.replace("10.9.0.1", "10.9.0.300"), "field \"interfaces[0].routes[0].gateway\":", "10.9.0.300");
        refusedOne(
                text.replace("10.9.0.1", "example.com"), "field \"interfaces[0].routes[0].gateway\":", "example.com");
        refusedOne(
                text.replace("\"fd00:9:0:0:0:0:0:1\"", "\"10.1.1.1\""),
                "field \"interfaces[0].routes[2]\":",
                "gateway 10.1.1.1");
        refusedOne(
                text.replace("\"name\":\"eth1\"", "\"name\":\"eth/1\""),
                "field \"interfaces[0].name\": interface name 'eth/1' contains '/'");
        refusedOne(
                text.replace("\"name\":\"eth1\"", "\"name\":\"a-name-of-16-byte\""),
                "field \"interfaces[0].name\":",
                "at most 15");
        refusedOne(
                text.replace("\"name\":\"hkpar0\"", "\"name\":\"\""),
                "field \"interfaces[0].parent.name\": interface name is empty");
    }

    @Test
    void aMacThatIsNotUnicastIsRefused() throws Exception {
        refusedOne(
                text.replace("02:42:ac:11:00:02", "01:00:5e:00:00:01"),
                "field \"interfaces[0].mac\": 01:00:5e:00:00:01 is a multicast address");
        refusedOne(
                text.replace("02:42:ac:11:00:02", "ff:ff:ff:ff:ff:ff"),
                "field \"interfaces[0].mac\": ff:ff:ff:ff:ff:ff is the broadcast address");
        refusedOne(
                text.replace("02:42:ac:11:00:02", "00:00:00:00:00:00"),
                "field \"interfaces[0].mac\": 00:00:00:00:00:00 is all zeros");
        refusedOne(
                text.replace("02:42:ac:11:00:02", "02:42:ac:11:00"),
                "field \"interfaces[0].mac\": malformed MAC address");
        assertThat(MacAddress.parse("33:33:00:00:00:01").isMulticast()).isTrue();
        assertThat(MacAddress.parse("02:00:00:00:00:01").isMulticast()).isFalse();
    }

    @Test
    void twoInterfacesOfOneNameAreBothRefusedAndTheOthersKept() throws Exception {
        InterfaceSnapshot a = Snapshots.eth1(ns);
        InterfaceSnapshot b = Snapshots.named(a, "eth2");
        InterfaceSnapshot c = Snapshots.named(a, "eth3");
        String three = SnapshotCodec.encode(new NamespaceState(ns, List.of(a, b, c)))
                .replace("\"name\":\"eth3\"", "\"name\":\"eth1\"");
        Decoded d = SnapshotCodec.decode(three);
        assertThat(d.state().interfaces()).containsExactly(b);
        assertThat(d.refused())
                .containsExactly(
                        "field \"interfaces[0].name\": 'eth1' is used by 2 interfaces in one namespace (entries [0, 2]); none of them is acted on",
                        "field \"interfaces[2].name\": 'eth1' is used by 2 interfaces in one namespace (entries [0, 2]); none of them is acted on");
    }

    @Test
    void everyTruncationOrMutationIsTheTypedErrorOrOneInterfaceKeptOrRefused() {
        for (int cut = 0; cut < text.length() - 1; cut++) {
            String half = text.substring(0, cut);
            assertThatThrownBy(() -> SnapshotCodec.decode(half))
                    .as("cut at %d", cut)
                    .isInstanceOf(BadStateException.class);
        }
        Random r = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            char[] c = text.toCharArray();
            c[r.nextInt(c.length)] = (char) r.nextInt(128);
            try {
                Decoded d = SnapshotCodec.decode(new String(c));
                assertThat(d.state().interfaces().size() + d.refused().size()).isEqualTo(1);
                d.refused().forEach(reason -> assertThat(reason).doesNotContain("\n"));
            } catch (BadStateException expected) {
                assertThat(expected.getMessage()).doesNotContain("\n");
            }
        }
    }

    private static void refusedWhole(String bad, String expected) {
        assertThatThrownBy(() -> SnapshotCodec.decode(bad))
                .isInstanceOf(BadStateException.class)
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private static void refusedOne(String bad, String... expected) throws BadStateException {
        Decoded d = SnapshotCodec.decode(bad);
        assertThat(d.state().interfaces()).isEmpty();
        assertThat(d.refused()).singleElement().asString().contains(expected);
    }
}
