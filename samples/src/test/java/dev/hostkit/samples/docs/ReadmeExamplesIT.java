package dev.hostkit.samples.docs;

import dev.hostkit.cgroups.MkdirDiagnosis;
import dev.hostkit.core.Errno;
import dev.hostkit.guard.GuardMetrics;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.netlink.NetlinkEvent;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.TestNetns;
import dev.hostkit.testkit.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The module pages' examples, run as written against the real kernel, so a page cannot promise what the code does not do. */
@HostTest
class ReadmeExamplesIT {
    @TempDir
    Path dir;

    @Test
    void coreExampleListsTheInterfacesOfAProcesssNamespace() throws Exception {
        Prerequisites.requireRoot();
        assertThat(CoreExample.interfaces((int) ProcessHandle.current().pid())).contains("lo");
    }

    @Test
    void netlinkExampleGivesTheNamespaceAnAddressedMacvlanAndHearsEveryChange(TestNetns ns, VethPair parent) {
        List<NetlinkEvent> events = NetlinkExample.giveMacvlan(ns.path(), parent.hostName());

        assertThat(ns.exec("ip", "-o", "-d", "link", "show", "eth1"))
                .contains("eth1@", "02:42:0a:00:00:02", "macvlan mode bridge", "UP");
        assertThat(ns.exec("ip", "-o", "-4", "address", "show", "eth1")).contains("10.0.0.2/24");
        assertThat(ns.exec("ip", "route", "show", "default")).contains("default via 10.0.0.1 dev eth1");
        assertThat(ns.exec("ip", "-o", "link")).doesNotContain("hkt"); // no temporary name left behind
        assertThat(events)
                .anySatisfy(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                NetlinkEvent.LinkEvent.class,
                                l -> assertThat(l.link().name()).isEqualTo("eth1")));
        assertThat(events)
                .anySatisfy(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                NetlinkEvent.AddressEvent.class,
                                a -> assertThat(a.address().cidr()).isEqualTo("10.0.0.2/24")));
        assertThat(events)
                .anySatisfy(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                NetlinkEvent.RouteEvent.class,
                                r -> assertThat(r.route().isDefault()).isTrue()));
    }

    @Test
    void guardianExampleSnapshotsTheMacvlanAndWritesMetrics(TestNetns ns, VethPair parent) throws Exception {
        NetlinkExample.giveMacvlan(ns.path(), parent.hostName());
        Path state = dir.resolve("state");
        Path metrics = dir.resolve("guard.prom");
        CountDownLatch stop = new CountDownLatch(1);
        Thread stopper = new Thread(
                () -> {
                    // Stop once the snapshot is persisted, or after 20 s (the assertions then say what is missing).
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (!hasStateFile(state) && System.nanoTime() < deadline) {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            break;
                        }
                    }
                    stop.countDown();
                },
                "readme-guard-stopper");
        stopper.start();
        GuardMetrics last;
        try {
            last = GuardianExample.guard(
                    state, parent.hostName(), NamespaceSource.of(List.of(ns.path())), metrics, stop);
        } finally {
            stop.countDown();
            stopper.join();
        }
        assertThat(last.interfacesGuarded()).isEqualTo(1);
        assertThat(last.interfacesMissing()).isZero();
        assertThat(Files.readString(metrics)).contains("# TYPE hostkit_guard_interfaces_guarded gauge");
        assertThat(ns.exec("ip", "-o", "link", "show", "eth1"))
                .contains("02:42:0a:00:00:02"); // guarding changed nothing
    }

    private static boolean hasStateFile(Path state) {
        try (Stream<Path> files = Files.list(state)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".json"));
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void cgroupsExampleTellsAFailedMkdirOnThisHostIsNotMemcgExhaustion() {
        Prerequisites.requireRoot();
        MkdirDiagnosis why = CgroupsExample.report(Path.of("/sys/fs/cgroup/memory/kubepods/hkdocs"), null, null);
        assertThat(why.errno()).isEqualTo(Errno.ENOSPC);
        assertThat(why.evidence()).isNotEmpty();
        assertThat(why.likely()).as(why.summary()).isFalse(); // this host has tens of cgroups, not 65,535
        assertThat(why.remedies()).isEmpty();
    }
}
