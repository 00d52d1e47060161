package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestJvm;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The incident on real containers: busybox containers with macvlans on a parent that the test unloads and loads. */
@HostTest
class MacvlanGuardianContainersIT {
    @TempDir
    Path state;

    private final List<GuardEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> containers = new ArrayList<>();
    private DockerEngine engine;

    /** A running container with its macvlan. */
    private record Box(String id, int pid, Path ns, String startedAt, int host) {}

    private Box box(DockerEngine docker, GuardTestNet.Parent parent, int host) {
        engine = docker;
        String id = docker.run(TestNames.next("c"));
        containers.add(id);
        int pid = docker.pid(id);
        Path ns = Path.of("/proc/" + pid + "/ns/net");
        GuardTestNet.giveMacvlan(ns, parent.name(), host, 1500 - host);
        return new Box(id, pid, ns, docker.docker("inspect", "-f", "{{.State.StartedAt}}", id), host);
    }

    @AfterEach
    void removeContainers() {
        containers.forEach(engine::remove);
    }

    private MacvlanGuardian guardian(GuardTestNet.Parent parent) throws Exception {
        // Real discovery: every process's namespace; the parent filter keeps the guardian to this test's macvlans.
        return MacvlanGuardian.builder()
                .stateDir(state)
                .parents(Set.of(parent.name()))
                .namespaces(NamespaceSource.processes())
                .resync(Duration.ofMillis(500))
                .listener(events::add)
                .build();
    }

    private static void await(String what, BooleanSupplier until) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!until.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private long count(Type type) {
        return events.stream().filter(e -> e.type() == type).count();
    }

    private static boolean pings(Box from, Box to) {
        return Sh.exec("nsenter", "--net=" + from.ns(), "busybox", "ping", "-c", "1", "-W", "2", "10.77.0." + to.host())
                        .ok()
                && Sh.exec(
                                "nsenter",
                                "--net=" + from.ns(),
                                "busybox",
                                "ping",
                                "-6",
                                "-c",
                                "1",
                                "-W",
                                "2",
                                "fd00:77::" + Integer.toHexString(to.host()))
                        .ok();
    }

    private void assertSameContainer(DockerEngine docker, Box b) {
        assertThat(docker.pid(b.id())).as("pid of %s", b.id()).isEqualTo(b.pid());
        assertThat(docker.docker("inspect", "-f", "{{.State.StartedAt}}", b.id()))
                .isEqualTo(b.startedAt());
    }

    private static void assertNoTemporaryLinks(Box... boxes) {
        for (Box b : boxes) {
            assertThat(GuardTestNet.in(b.ns(), "ip", "-o", "link").lines().filter(l -> l.contains(": hkt")))
                    .isEmpty();
        }
    }

    @Test
    void restoresEveryContainersMacvlanAfterTheParentReturnsWithoutRestartingThem(DockerEngine docker)
            throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            List<Box> boxes = List.of(box(docker, parent, 2), box(docker, parent, 3), box(docker, parent, 4));
            GuardTestNet.awaitDad(boxes.stream().map(Box::ns).toArray(Path[]::new));
            assertThat(pings(boxes.get(0), boxes.get(1))).isTrue();
            assertThat(pings(boxes.get(2), boxes.get(0))).isTrue();
            List<String> before =
                    boxes.stream().map(b -> GuardTestNet.state(b.ns(), "eth1")).toList();

            try (MacvlanGuardian g = guardian(parent)) {
                g.start();
                await("3 snapshots", () -> count(Type.SNAPSHOT) >= 3);
                parent.unload();
                await("3 losses", () -> count(Type.LOST) >= 3);
                parent.load();
                await("3 repairs", () -> count(Type.REPAIRED) >= 3);
                assertThat(g.metrics().repairsOk()).isEqualTo(3);
                assertThat(g.metrics().interfacesGuarded()).isEqualTo(3);
            }
            for (int i = 0; i < boxes.size(); i++) {
                assertThat(GuardTestNet.state(boxes.get(i).ns(), "eth1")).isEqualTo(before.get(i));
                assertSameContainer(docker, boxes.get(i));
            }
            assertThat(pings(boxes.get(0), boxes.get(1))).isTrue();
            assertThat(pings(boxes.get(1), boxes.get(2))).isTrue();
            assertThat(pings(boxes.get(2), boxes.get(0))).isTrue();
            assertThat(events)
                    .filteredOn(e -> e.type() == Type.REPAIR_FAILED || e.type() == Type.CONFLICT)
                    .isEmpty();
            assertThat(events)
                    .filteredOn(e -> e.type() == Type.REPAIRED)
                    .allSatisfy(e -> assertThat(e.pid()).isPositive());
            assertNoTemporaryLinks(boxes.toArray(Box[]::new));
        }
    }

    @Test
    void aGuardianStartedWhileTheParentIsGoneRepairsFromItsStateFiles(DockerEngine docker) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            List<Box> boxes = List.of(box(docker, parent, 2), box(docker, parent, 3));
            GuardTestNet.awaitDad(boxes.stream().map(Box::ns).toArray(Path[]::new));
            List<String> before =
                    boxes.stream().map(b -> GuardTestNet.state(b.ns(), "eth1")).toList();
            try (MacvlanGuardian g = guardian(parent)) {
                g.reconcileOnce();
            }
            parent.unload(); // the guardian is not running: nobody sees the loss happen
            events.clear();
            try (MacvlanGuardian g = guardian(parent)) {
                assertThat(g.snapshots()).hasSize(2); // from the state files alone
                g.start();
                await("2 losses", () -> count(Type.LOST) >= 2);
                parent.load();
                await("2 repairs", () -> count(Type.REPAIRED) >= 2);
            }
            for (int i = 0; i < boxes.size(); i++) {
                assertThat(GuardTestNet.state(boxes.get(i).ns(), "eth1")).isEqualTo(before.get(i));
                assertSameContainer(docker, boxes.get(i));
            }
            assertThat(pings(boxes.get(0), boxes.get(1))).isTrue();
        }
    }

    @Test
    void dropsExitedAndRestartedContainersAndRepairsTheRest(DockerEngine docker) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            Box stays = box(docker, parent, 2);
            Box exits = box(docker, parent, 3);
            Box restarts = box(docker, parent, 4);
            GuardTestNet.awaitDad(stays.ns());
            String before = GuardTestNet.state(stays.ns(), "eth1");
            try (MacvlanGuardian g = guardian(parent)) {
                assertThat(g.reconcileOnce())
                        .filteredOn(e -> e.type() == Type.SNAPSHOT)
                        .hasSize(3);
                parent.unload();
                assertThat(g.reconcileOnce())
                        .extracting(GuardEvent::type)
                        .containsOnly(Type.LOST)
                        .hasSize(3);

                docker.docker("stop", "-t", "0", exits.id());
                docker.docker("restart", "-t", "0", restarts.id());
                int newPid = docker.pid(restarts.id());
                parent.load();
                List<GuardEvent> pass = g.reconcileOnce();

                assertThat(pass)
                        .filteredOn(e -> e.type() == Type.REPAIRED)
                        .extracting(GuardEvent::netnsInode)
                        .containsExactly(NamespaceSource.statId(stays.ns()).inode());
                assertThat(pass).filteredOn(e -> e.type() == Type.DROPPED).hasSize(2);
                assertThat(g.snapshots()).hasSize(1);
                // The restarted container's new namespace was not written into: it has only its loopback.
                assertThat(GuardTestNet.in(Path.of("/proc/" + newPid + "/ns/net"), "ip", "-o", "link")
                                .lines())
                        .hasSize(1);
            }
            assertThat(GuardTestNet.state(stays.ns(), "eth1")).isEqualTo(before);
            assertNoTemporaryLinks(stays);
        }
    }

    @Test
    void survivesTheParentBouncingFiftyTimesWithRandomGaps(DockerEngine docker) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            List<Box> boxes = List.of(box(docker, parent, 2), box(docker, parent, 3), box(docker, parent, 4));
            GuardTestNet.awaitDad(boxes.stream().map(Box::ns).toArray(Path[]::new));
            List<String> before =
                    boxes.stream().map(b -> GuardTestNet.state(b.ns(), "eth1")).toList();
            Random random = new Random(42);
            try (MacvlanGuardian g = guardian(parent)) {
                g.start();
                await("3 snapshots", () -> count(Type.SNAPSHOT) >= 3);
                int fds = dev.hostkit.core.ProcFs.openFdCount();
                for (int i = 0; i < 50; i++) {
                    parent.unload();
                    Thread.sleep(random.nextInt(20));
                    parent.load();
                    Thread.sleep(random.nextInt(40));
                }
                await("every container restored", () -> {
                    for (int i = 0; i < boxes.size(); i++) {
                        if (!Sh.exec("nsenter", "--net=" + boxes.get(i).ns(), "ip", "link", "show", "eth1")
                                        .ok()
                                || !GuardTestNet.state(boxes.get(i).ns(), "eth1")
                                        .equals(before.get(i))) {
                            return false;
                        }
                    }
                    return true;
                });
                assertThat(g.metrics().interfacesMissing()).isZero();
                // Flat: once the debounced re-snapshots after the last bounce are done, every repair's fds are closed
                // again.
                await("fds back to " + fds, () -> dev.hostkit.core.ProcFs.openFdCount() <= fds);
            }
            for (Box b : boxes) {
                assertSameContainer(docker, b);
            }
            assertThat(pings(boxes.get(0), boxes.get(2))).isTrue();
            assertThat(events).filteredOn(e -> e.type() == Type.CONFLICT).isEmpty();
            assertNoTemporaryLinks(boxes.toArray(Box[]::new));
        }
    }

    @Test
    void aGuardianKilledInTheMiddleOfARepairLeavesNothingTheNextOneCannotFinish(DockerEngine docker) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            List<Box> boxes = List.of(box(docker, parent, 2), box(docker, parent, 3));
            GuardTestNet.awaitDad(boxes.stream().map(Box::ns).toArray(Path[]::new));
            List<String> before =
                    boxes.stream().map(b -> GuardTestNet.state(b.ns(), "eth1")).toList();
            Random random = new Random(7);
            for (int round = 0; round < 4; round++) {
                Path ready = state.resolveSibling(state.getFileName() + "-ready-" + round);
                List<String> cmd = new ArrayList<>(TestJvm.command(
                        List.of(), GuardChild.class, state.toString(), parent.name(), ready.toString()));
                boxes.forEach(b -> cmd.add(b.ns().toString()));
                Process child = new ProcessBuilder(cmd)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                try (NetNamespace ns0 = NetNamespace.open(boxes.get(0).ns());
                        RtNetlink in0 = RtNetlink.open(ns0);
                        NetNamespace ns1 = NetNamespace.open(boxes.get(1).ns());
                        RtNetlink in1 = RtNetlink.open(ns1)) {
                    await("child guardian ready", () -> java.nio.file.Files.exists(ready) || !child.isAlive());
                    assertThat(child.isAlive()).isTrue();
                    parent.unload();
                    parent.load();
                    // Kill at a different point of the repair each round: as soon as the temporary link, the renamed
                    // link, or its first address shows up in either container, or after a random pause.
                    int stage = round;
                    long deadline = System.nanoTime() + 2_000_000_000L + random.nextInt(20_000_000);
                    while (System.nanoTime() < deadline && !reached(stage, in0) && !reached(stage, in1)) {
                        Thread.onSpinWait();
                    }
                } finally {
                    child.destroyForcibly().waitFor();
                    java.nio.file.Files.deleteIfExists(ready);
                }
                try (MacvlanGuardian g = guardian(parent)) {
                    assertThat(g.stateProblems()).isEmpty();
                    // What the killed guardian left decides what this pass does: nothing, a repair or a completion.
                    System.out.println("after kill " + round + ": " + g.reconcileOnce());
                }
                for (int i = 0; i < boxes.size(); i++) {
                    assertThat(GuardTestNet.state(boxes.get(i).ns(), "eth1"))
                            .as("round %d, container %d", round, i)
                            .isEqualTo(before.get(i));
                }
                assertNoTemporaryLinks(boxes.toArray(Box[]::new));
            }
            assertThat(events)
                    .filteredOn(e -> e.type() == Type.REPAIR_FAILED || e.type() == Type.CONFLICT)
                    .isEmpty();
            boxes.forEach(b -> assertSameContainer(docker, b));
        }
    }

    // 0: a temporary link exists; 1: the final name exists; 2: it has an IPv4 address; 3: never (time decides).
    private static boolean reached(int stage, RtNetlink in) {
        return switch (stage) {
            case 0 ->
                in.links().stream()
                        .anyMatch(l -> l.name().startsWith("hkt") || l.name().equals("eth1"));
            case 1 -> in.link("eth1").isPresent();
            case 2 ->
                in.link("eth1")
                        .map(l -> in.addresses(l.index()).stream().anyMatch(a -> a.family() == AddressFamily.INET))
                        .orElse(false);
            default -> false;
        };
    }
}
