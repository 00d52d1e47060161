package dev.hostkit.guard;

import dev.hostkit.guard.SnapshotCodec.Decoded;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.VlanProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * State files written by the guardian before the Jackson codec (its hand-written JSON writer, src/test/resources/state-v1,
 * made by that version's encode from the values below) still read to the same snapshots, and are written back byte for byte.
 */
class StateFileCompatibilityTest {
    static final NamespaceRef EXISTING = Snapshots.ns(4026532901L);
    static final NamespaceRef VLANS = new NamespaceRef(4, 4026532902L, 77, 4343, Path.of("/proc/4343/ns/net"));
    static final NamespaceRef OLDEST = new NamespaceRef(4, 4026532903L, 0, 0, Path.of("/var/run/netns/hkold"));
    static final NamespaceRef HAND = new NamespaceRef(4, 4026532904L, 0, 0, Path.of("/var/run/netns/hkhand"));

    @TempDir
    Path tmp;

    static List<NamespaceState> written() {
        InterfaceSnapshot v1 = new InterfaceSnapshot(
                VLANS,
                9,
                "eth1",
                MacAddress.parse("02:42:ac:11:00:09"),
                9000,
                MacvlanMode.PASSTHRU,
                true,
                new HostParent.Vlan("hkvl0.3", "hkvl0", 3, VlanProtocol.IEEE_802_1Q),
                12,
                List.of(Address.of(9, "10.3.0.9/24")),
                List.of(),
                1_700_000_000_123L);
        InterfaceSnapshot v2 = new InterfaceSnapshot(
                VLANS,
                10,
                "eth2",
                MacAddress.parse("02:42:ac:11:00:0a"),
                1500,
                MacvlanMode.VEPA,
                false,
                new HostParent.Vlan("hkvl1.4094", "hkvl1", 4094, VlanProtocol.IEEE_802_1AD),
                13,
                List.of(),
                List.of(),
                1_700_000_000_456L);
        // Cookie unknown (kernel before 5.14), no pid (a named namespace), the smallest MTU, no addresses or routes.
        InterfaceSnapshot oldest = new InterfaceSnapshot(
                OLDEST,
                0,
                "net0",
                MacAddress.parse("0a:00:00:00:00:01"),
                68,
                MacvlanMode.PRIVATE,
                false,
                new HostParent.Existing("hkpar9"),
                0,
                List.of(),
                List.of(),
                0);
        return List.of(
                new NamespaceState(EXISTING, List.of(Snapshots.eth1(EXISTING))),
                new NamespaceState(VLANS, List.of(v1, v2)),
                new NamespaceState(OLDEST, List.of(oldest)));
    }

    @Test
    void filesOfTheHandWrittenCodecReadToTheSameSnapshotsAndWriteBackByteForByte() throws Exception {
        for (NamespaceState expected : written()) {
            String old = resource(expected.namespace());
            Decoded d = SnapshotCodec.decode(old);
            assertThat(d.refused()).isEmpty();
            assertThat(d.state()).isEqualTo(expected);
            assertThat(SnapshotCodec.encode(d.state())).isEqualTo(old);
        }
    }

    @Test
    void aHandEditedFileInAnyKeyOrderWithUpperCaseAndShortFormsStillReads() throws Exception {
        InterfaceSnapshot eth4 = new InterfaceSnapshot(
                HAND,
                4,
                "eth4",
                MacAddress.parse("0a:bc:de:f0:12:34"),
                1400,
                MacvlanMode.SOURCE,
                true,
                new HostParent.Existing("hkpar4"),
                3,
                List.of(Address.of(4, "fd00:4::2/64").withFlags(dev.hostkit.netlink.AddressFlag.PERMANENT)),
                List.of(Route.to("fd00:5::/48")
                        .via("fd00:4::1")
                        .dev(4)
                        .withMetric(100)
                        .withProtocol(Route.PROTOCOL_STATIC)),
                1_600_000_000_000L);
        Decoded d = SnapshotCodec.decode(resource(HAND));
        assertThat(d.refused()).isEmpty();
        assertThat(d.state()).isEqualTo(new NamespaceState(HAND, List.of(eth4)));
    }

    @Test
    void theStoreLoadsADirectoryOfOldFiles() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("state"));
        for (NamespaceRef ns : List.of(EXISTING, VLANS, OLDEST, HAND)) {
            Files.writeString(dir.resolve(name(ns)), resource(ns));
        }
        try (SnapshotStore store = new SnapshotStore(dir)) {
            SnapshotStore.Loaded loaded = store.load();
            assertThat(loaded.problems()).isEmpty();
            assertThat(loaded.states())
                    .extracting(s -> s.namespace().inode())
                    .containsExactly(4026532901L, 4026532902L, 4026532903L, 4026532904L);
        }
    }

    private static String name(NamespaceRef ns) {
        return "netns-" + ns.device() + "-" + ns.inode() + ".json";
    }

    private static String resource(NamespaceRef ns) throws Exception {
        try (InputStream in = StateFileCompatibilityTest.class.getResourceAsStream("/state-v1/" + name(ns))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
