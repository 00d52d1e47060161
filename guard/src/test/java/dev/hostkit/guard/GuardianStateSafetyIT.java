package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** State files that must never be acted on, against a real guardian, real namespaces and a parent that bounces. */
@HostTest
class GuardianStateSafetyIT {
    @TempDir
    Path state;

    private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void aStateFileForTheHostNamespaceIsRefusedOnceAndNothingAppearsOnTheHostWhileItsParentBounces() throws Exception {
        NetNamespace.NsId host = NetNamespace.idOf(Path.of("/proc/self/ns/net"));
        String name = TestNames.next("rel");
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            // What an attacker (or a confused tool) would write: the host's identity, a stale parent index, an address.
            NamespaceRef ref = new NamespaceRef(host.device(), host.inode(), 0, 1, Path.of("/proc/self/ns/net"));
            InterfaceSnapshot s = new InterfaceSnapshot(
                    ref,
                    40,
                    name,
                    MacAddress.parse("02:77:00:00:00:99"),
                    1500,
                    MacvlanMode.BRIDGE,
                    true,
                    new HostParent.Existing(parent.name()),
                    1_000_000,
                    List.of(Address.of(40, "10.77.0.99/24")),
                    List.of(),
                    1L);
            Path file = state.resolve("netns-" + host.device() + "-" + host.inode() + ".json");
            Files.writeString(file, SnapshotCodec.encode(new NamespaceState(ref, List.of(s))));
            Path log = Files.createTempFile("hkmonitor", ".log");
            Process monitor = new ProcessBuilder("ip", "-o", "monitor", "link", "address", "route")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(Path.of("/proc/self/ns/net"))))
                    .resync(Duration.ofMillis(100))
                    .listener(events::add)
                    .build()) {
                assertThat(g.stateProblems())
                        .singleElement()
                        .asString()
                        .contains(file.toString(), "the guardian's own network namespace");
                assertThat(g.snapshots()).isEmpty();
                g.start();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < end) {
                    parent.unload();
                    Thread.sleep(50);
                    parent.load();
                    Thread.sleep(50);
                    assertThat(Sh.exec("ip", "link", "show", name).ok())
                            .as("%s in the host namespace", name)
                            .isFalse();
                }
                g.reconcileOnce();
                assertThat(g.stateProblems()).hasSize(1);
            } finally {
                monitor.destroy();
                monitor.waitFor(10, TimeUnit.SECONDS);
            }
            String seen = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            assertThat(seen).as("ip monitor saw the parent bounce").contains(parent.name());
            assertThat(seen).doesNotContain(name, "10.77.0.99");
            assertThat(Sh.run("ip", "-o", "addr", "show")).doesNotContain("10.77.0.99");
            assertThat(events).noneMatch(e -> e.netnsInode() == host.inode());
            assertThat(file).exists();
        } finally {
            Sh.exec("ip", "link", "del", name);
        }
    }

    @Test
    void aMulticastMacAndATwiceUsedNameInARealNamespaceAreRefusedOnceAndNeverRepaired(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create();
                NetNamespace open = NetNamespace.open(a.path())) {
            NamespaceRef ref = new NamespaceRef(open.id().device(), open.id().inode(), 0, 0, a.path());
            InterfaceSnapshot multicast = new InterfaceSnapshot(
                    ref,
                    5,
                    "eth5",
                    MacAddress.parse("02:00:00:00:00:05"),
                    1500,
                    MacvlanMode.BRIDGE,
                    true,
                    new HostParent.Existing(parent.name()),
                    1_000_000,
                    List.of(),
                    List.of(),
                    1L);
            InterfaceSnapshot twice = Snapshots.named(multicast, "eth6");
            String text = SnapshotCodec.encode(
                            new NamespaceState(ref, List.of(multicast, twice, Snapshots.named(multicast, "eth7"))))
                    .replace(
                            "\"name\":\"eth5\",\"ifindex\":5,\"mac\":\"02:00:00:00:00:05\"",
                            "\"name\":\"eth5\",\"ifindex\":5,\"mac\":\"01:00:5e:00:00:05\"")
                    .replace("\"eth7\"", "\"eth6\"");
            Path file = state.resolve("netns-" + ref.device() + "-" + ref.inode() + ".json");
            Files.writeString(file, text);
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .listener(events::add)
                    .build()) {
                assertThat(g.stateProblems())
                        .containsExactly(
                                file
                                        + ": field \"interfaces[0].mac\": 01:00:5e:00:00:05 is a multicast address; a macvlan needs a unicast MAC",
                                file
                                        + ": field \"interfaces[1].name\": 'eth6' is used by 2 interfaces in one namespace (entries [1, 2]); none of them is acted on",
                                file
                                        + ": field \"interfaces[2].name\": 'eth6' is used by 2 interfaces in one namespace (entries [1, 2]); none of them is acted on");
                for (int i = 0; i < 5; i++) {
                    g.reconcileOnce();
                }
                assertThat(g.stateProblems()).hasSize(3);
                assertThat(g.metrics().stateFileErrors()).isEqualTo(3);
            }
            assertThat(events).noneMatch(e -> e.type() == Type.REPAIRED || e.type() == Type.REPAIR_FAILED);
            assertThat(GuardTestNet.in(a.path(), "ip", "-o", "link", "show")).doesNotContain("eth5", "eth6");
        }
    }
}
