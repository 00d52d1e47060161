package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

@HostTest
class MacvlanGuardianNetnsIT {
    @TempDir
    Path state;

    private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

    private MacvlanGuardian guardian(GuardTestNet.Parent parent, TestNetns... namespaces) throws Exception {
        return MacvlanGuardian.builder()
                .stateDir(state)
                .parents(Set.of(parent.name()))
                .namespaces(NamespaceSource.of(
                        java.util.Arrays.stream(namespaces).map(TestNetns::path).toList()))
                .resync(Duration.ofMillis(300))
                .listener(events::add)
                .build();
    }

    @Test
    void recreatesMacvlanInSameNamespaceAfterParentReturns(TestNetns a, TestNetns b) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.giveMacvlan(b.path(), parent.name(), 3, 1400);
            GuardTestNet.awaitDad(a.path(), b.path());
            String beforeA = GuardTestNet.state(a.path(), "eth1");
            String beforeB = GuardTestNet.state(b.path(), "eth1");
            try (MacvlanGuardian g = guardian(parent, a, b)) {
                g.start();
                GuardEvents.await(events, "two snapshots", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 2);

                parent.unload();
                GuardEvents.await(events, "two losses", e -> GuardEvents.count(e, Type.LOST) >= 2);
                parent.load();
                GuardEvents.await(events, "two repairs", e -> GuardEvents.count(e, Type.REPAIRED) >= 2);

                assertThat(GuardTestNet.state(a.path(), "eth1")).isEqualTo(beforeA);
                assertThat(GuardTestNet.state(b.path(), "eth1")).isEqualTo(beforeB);
                assertThat(a.exec("busybox", "ping", "-c", "1", "-W", "2", "10.77.0.3"))
                        .contains("1 packets received");
                assertThat(a.exec("busybox", "ping", "-6", "-c", "1", "-W", "2", "fd00:77::3"))
                        .contains("1 packets received");
                assertThat(events)
                        .filteredOn(e -> e.type() == Type.REPAIR_FAILED)
                        .isEmpty();
                assertThat(g.metrics().repairsOk()).isEqualTo(2);
            }
            assertThat(a.exec("ip", "-o", "link").lines().filter(l -> l.contains("hkt")))
                    .isEmpty();
        }
    }

    @Test
    void repairsFromTheStateFileWhenStartedAfterTheParentIsGone(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            String before = GuardTestNet.state(a.path(), "eth1");
            try (MacvlanGuardian g = guardian(parent, a)) {
                g.reconcileOnce();
            }
            parent.unload();
            try (MacvlanGuardian g = guardian(parent, a)) {
                assertThat(g.stateProblems()).isEmpty();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.LOST);
                parent.load();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.REPAIRED);
            }
            assertThat(GuardTestNet.state(a.path(), "eth1")).isEqualTo(before);
        }
    }

    @Test
    void dropsTheSnapshotOfANamespaceThatIsDeletedWhileTheParentIsAway(TestNetns a, TestNetns b) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.giveMacvlan(b.path(), parent.name(), 3, 1500);
            try (MacvlanGuardian g = guardian(parent, a, b)) {
                g.reconcileOnce();
                parent.unload();
                g.reconcileOnce();
                b.close();
                parent.load();
                List<GuardEvent> pass = g.reconcileOnce();
                assertThat(pass).extracting(GuardEvent::type).containsExactlyInAnyOrder(Type.DROPPED, Type.REPAIRED);
                assertThat(g.snapshots()).hasSize(1);
            }
            try (var files = Files.list(state)) {
                assertThat(files.filter(f -> f.getFileName().toString().endsWith(".json")))
                        .hasSize(1);
            }
        }
    }

    @Test
    void leavesASameNamedInterfaceWithAnotherConfigurationAlone(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            try (MacvlanGuardian g = guardian(parent, a)) {
                g.reconcileOnce();
                parent.unload();
                g.reconcileOnce();
                a.exec("ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1p");
                parent.load();
                assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.CONFLICT);
                assertThat(g.reconcileOnce()).isEmpty();
                assertThat(a.exec("ip", "-d", "link", "show", "eth1")).contains("veth");
                assertThat(g.metrics().conflicts()).isEqualTo(1);
            }
        }
    }

    @Test
    void finishesAnInterfaceThatAStoppedGuardianRecreatedOnlyHalfWay(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            String before = GuardTestNet.state(a.path(), "eth1");
            String mac = a.exec("cat", "/sys/class/net/eth1/address").strip();
            try (MacvlanGuardian g = guardian(parent, a)) {
                g.reconcileOnce();
            }
            parent.unload();
            parent.load();
            // What a guardian killed after the create and rename leaves: the link, down, with no addresses or routes;
            // and a temporary-named link (with this guardian's tag) from one killed before its rename. Beside it,
            // another
            // guardian's temporary (another tag): its repair may be in flight, so it stays.
            Sh.run(
                    "ip",
                    "link",
                    "add",
                    "hkttmp1",
                    "link",
                    parent.name(),
                    "address",
                    mac,
                    "type",
                    "macvlan",
                    "mode",
                    "bridge");
            Sh.run("ip", "link", "set", "hkttmp1", "netns", a.name());
            a.exec("ip", "link", "set", "hkttmp1", "name", "eth1");
            String mine = GuardNet.temporaryName(GuardNet.tagFor(state));
            String tag = GuardNet.tagFor(state);
            String theirs = "hkt" + (tag.equals("000000") ? "000001" : "000000") + "abcdef";
            for (String temp : List.of(mine, theirs)) {
                Sh.run("ip", "link", "add", "hkttmp2", "link", parent.name(), "type", "macvlan", "mode", "bridge");
                Sh.run("ip", "link", "set", "hkttmp2", "netns", a.name());
                a.exec("ip", "link", "set", "hkttmp2", "name", temp);
            }
            // This guardian's tag, but on a parent outside its --parent scope: not its to remove.
            String outOfScope = GuardNet.temporaryName(tag);
            try (GuardTestNet.Parent other = GuardTestNet.Parent.create()) {
                Sh.run("ip", "link", "add", "hkttmp3", "link", other.name(), "type", "macvlan", "mode", "bridge");
                Sh.run("ip", "link", "set", "hkttmp3", "netns", a.name());
                a.exec("ip", "link", "set", "hkttmp3", "name", outOfScope);
                try (MacvlanGuardian g = guardian(parent, a)) {
                    assertThat(g.reconcileOnce()).extracting(GuardEvent::type).containsExactly(Type.REPAIRED);
                }
                assertThat(a.exec("ip", "-o", "link")
                                .lines()
                                .filter(l -> l.contains("hkt"))
                                .map(l -> l.split("[:@]")[1].strip()))
                        .containsExactlyInAnyOrder(theirs, outOfScope);
            }
            assertThat(GuardTestNet.state(a.path(), "eth1")).isEqualTo(before);
        }
    }

    @Test
    void followsChangesMadeInsideTheNamespaceThroughItsEventsAndRestoresThem(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            // A resync period longer than the test: only namespace events can bring the change to the snapshot.
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .resync(Duration.ofMinutes(10))
                    .listener(events::add)
                    .build()) {
                g.start();
                GuardEvents.await(events, "the first snapshot", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 1);
                a.exec("ip", "addr", "add", "10.88.0.5/16", "dev", "eth1");
                a.exec("ip", "route", "add", "10.200.0.0/16", "via", "10.88.0.1", "table", "7");
                a.exec("ip", "link", "set", "eth1", "mtu", "1450");
                GuardEvents.await(
                        events,
                        "a snapshot with the new address, route and MTU",
                        e -> g.snapshots().stream()
                                .anyMatch(s -> s.mtu() == 1450
                                        && s.addresses().stream()
                                                .anyMatch(x -> x.cidr().equals("10.88.0.5/16"))
                                        && s.routes().stream().anyMatch(r -> r.table() == 7)));
                GuardTestNet.awaitDad(a.path());
                String before = GuardTestNet.state(a.path(), "eth1");

                parent.unload();
                parent.load();
                GuardEvents.await(events, "the repair", e -> GuardEvents.count(e, Type.REPAIRED) >= 1);
                assertThat(GuardTestNet.state(a.path(), "eth1")).isEqualTo(before);
            }
        }
    }

    @Test
    void restoresManyInterfacesInManyNamespacesConcurrently() throws Exception {
        List<TestNetns> namespaces = new java.util.ArrayList<>();
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            for (int i = 0; i < 12; i++) {
                TestNetns ns = TestNetns.create();
                namespaces.add(ns);
                GuardTestNet.giveMacvlan(ns.path(), parent.name(), i + 2, 1500);
                GuardTestNet.giveSecondMacvlan(ns.path(), parent.name(), i + 2);
            }
            Path[] paths = namespaces.stream().map(TestNetns::path).toArray(Path[]::new);
            GuardTestNet.awaitDad(paths);
            List<String> before = new java.util.ArrayList<>();
            for (Path p : paths) {
                before.add(GuardTestNet.state(p, "eth1") + GuardTestNet.state(p, "eth2"));
            }
            try (MacvlanGuardian g = guardian(parent, namespaces.toArray(TestNetns[]::new))) {
                g.start();
                GuardEvents.await(events, "24 snapshots", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 24);
                int fds = dev.hostkit.core.ProcFs.openFdCount();
                for (int round = 0; round < 3; round++) {
                    int repairedBefore = (int) GuardEvents.count(events, Type.REPAIRED);
                    parent.unload();
                    parent.load();
                    GuardEvents.await(
                            events, "24 repairs", e -> GuardEvents.count(e, Type.REPAIRED) >= repairedBefore + 24);
                }
                for (int i = 0; i < paths.length; i++) {
                    assertThat(GuardTestNet.state(paths[i], "eth1") + GuardTestNet.state(paths[i], "eth2"))
                            .isEqualTo(before.get(i));
                }
                assertThat(events)
                        .filteredOn(e -> e.type() == Type.REPAIR_FAILED || e.type() == Type.CONFLICT)
                        .isEmpty();
                assertThat(g.metrics().interfacesGuarded()).isEqualTo(24);
                // Flat while running: once the debounced re-snapshots are done, every repair's fds are closed again.
                GuardEvents.await(events, "fds back to " + fds, e -> dev.hostkit.core.ProcFs.openFdCount() <= fds);
            }
        } finally {
            namespaces.forEach(TestNetns::close);
        }
    }

    @Test
    void doesNotRecreateAnInterfaceDeletedOnPurposeWhileItsParentStayed(TestNetns a, TestNetns b) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.giveMacvlan(b.path(), parent.name(), 3, 1500);
            try (MacvlanGuardian g = guardian(parent, a, b)) {
                g.start();
                GuardEvents.await(events, "two snapshots", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 2);
                a.exec("ip", "link", "del", "eth1"); // what a CNI DEL does before the pod's namespace goes
                GuardEvents.await(events, "the deletion noticed", e -> GuardEvents.count(e, Type.DROPPED) >= 1);
                assertThat(events)
                        .filteredOn(e -> e.type() == Type.DROPPED)
                        .singleElement()
                        .satisfies(e -> assertThat(e.reason()).contains("on purpose"));
                parent.unload();
                parent.load();
                GuardEvents.await(events, "b repaired", e -> GuardEvents.count(e, Type.REPAIRED) >= 1);
                Thread.sleep(500); // a resync period: still nothing for a
                assertThat(Sh.exec("ip", "netns", "exec", a.name(), "ip", "link", "show", "eth1")
                                .ok())
                        .isFalse();
                assertThat(g.snapshots()).extracting(InterfaceSnapshot::name).containsExactly("eth1");
                assertThat(GuardEvents.count(events, Type.REPAIRED)).isEqualTo(1);
            }
        }
    }

    @Test
    void aFailedRepairRollsBackWithoutStoppingTheOthersAndIsRetried(TestNetns a, TestNetns b) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.giveMacvlan(b.path(), parent.name(), 3, 1500);
            GuardTestNet.awaitDad(a.path(), b.path());
            String beforeA = GuardTestNet.state(a.path(), "eth1");
            String beforeB = GuardTestNet.state(b.path(), "eth1");
            try (MacvlanGuardian g = guardian(parent, a, b)) {
                g.start();
                GuardEvents.await(events, "two snapshots", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 2);
                // New links in a get IPv6 disabled: the recreated eth1 refuses its IPv6 address.
                a.exec("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
                parent.unload();
                parent.load();
                GuardEvents.await(
                        events,
                        "b repaired and a failed",
                        e -> GuardEvents.count(e, Type.REPAIRED) >= 1 && GuardEvents.count(e, Type.REPAIR_FAILED) >= 1);
                assertThat(events)
                        .filteredOn(e -> e.type() == Type.REPAIRED)
                        .singleElement()
                        .satisfies(e -> assertThat(e.netnsInode())
                                .isEqualTo(NamespaceSource.statId(b.path()).inode()));
                assertThat(events)
                        .filteredOn(e -> e.type() == Type.REPAIR_FAILED)
                        .first()
                        .satisfies(e -> assertThat(e.reason()).contains("fd00:77::2"));
                assertThat(GuardTestNet.state(b.path(), "eth1")).isEqualTo(beforeB);
                // Retried with a pause, not on every echo of its own attempt (34 in 3 s before the pause).
                long failedBefore = GuardEvents.count(events, Type.REPAIR_FAILED);
                Thread.sleep(3000);
                assertThat(GuardEvents.count(events, Type.REPAIR_FAILED) - failedBefore)
                        .isPositive()
                        .isLessThanOrEqualTo(8);
                // Rolled back: no half-made eth1, no temporary link stays (a retry every pass may be in flight at any
                // one look, so look until a moment between attempts).
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (a.exec("ip", "-o", "link").lines().count() != 1 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(a.exec("ip", "-o", "link").lines()).hasSize(1);

                a.exec("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=0");
                GuardEvents.await(events, "a repaired on a later pass", e -> GuardEvents.count(e, Type.REPAIRED) >= 2);
                assertThat(g.metrics().repairsFailed()).isPositive();
            }
            GuardTestNet.awaitDad(a.path());
            assertThat(GuardTestNet.state(a.path(), "eth1")).isEqualTo(beforeA);
        }
    }
}
