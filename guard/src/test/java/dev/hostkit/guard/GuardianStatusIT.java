package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status a running guardian publishes ({@link GuardianStatus}), read as a node's health check reads it: after the
 * first pass, through a parent's loss (waiting), a repair the kernel refuses (missing under a present parent) and a
 * repair that works, and gone with the guardian. A status left by a guardian that died is never read as a live one's.
 */
@HostTest
class GuardianStatusIT {
    @TempDir
    Path state;

    private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void theStatusFollowsALossAFailedRepairAndARepairAndGoesWithTheGuardian(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.awaitDad(a.path());
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path())))
                    .resync(Duration.ofSeconds(1)) // a repair refused by the kernel is retried by a pass
                    .warmUp(0)
                    .listener(events::add)
                    .build()) {
                assertThat(GuardianStatus.ofRunningGuardian(state))
                        .as("not started: nothing said")
                        .isEmpty();
                g.start();
                GuardianStatus first = awaitStatus(s -> s.guarded() == 1);
                assertThat(first.missing()).isEmpty();
                assertThat(first.pid()).isEqualTo(ProcessHandle.current().pid());

                parent.unload();
                GuardianStatus lost = awaitStatus(s -> !s.missing().isEmpty());
                assertThat(lost.missing()).singleElement().satisfies(m -> {
                    assertThat(m.name()).isEqualTo("eth1");
                    assertThat(m.parent()).isEqualTo(parent.name());
                    assertThat(m.namespaceInode())
                            .isEqualTo(NamespaceSource.statId(a.path()).inode());
                    assertThat(m.waitsForParent()).isTrue();
                });

                // The kernel refuses the repair: IPv6 off for new links, so the recreated eth1 refuses fd00:77::2.
                a.exec("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
                parent.load();
                GuardEvents.await(events, "a failed repair", e -> GuardEvents.count(e, Type.REPAIR_FAILED) >= 1);
                GuardianStatus failing = awaitStatus(
                        s -> s.missing().size() == 1 && !s.missing().get(0).waitsForParent());
                assertThat(failing.guarded()).isEqualTo(1);

                a.exec("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=0");
                GuardEvents.await(events, "the retried repair", e -> GuardEvents.count(e, Type.REPAIRED) >= 1);
                assertThat(awaitStatus(s -> s.missing().isEmpty()).guarded()).isEqualTo(1);
            }
            assertThat(GuardianStatus.ofRunningGuardian(state))
                    .as("stopped: nothing said")
                    .isEmpty();
            assertThat(state.resolve(GuardianStatus.FILE))
                    .as("removed at close")
                    .doesNotExist();
        }
    }

    @Test
    void aStatusLeftByADeadGuardianIsNotReadAndANewGuardianRemovesIt() throws Exception {
        Path file = state.resolve(GuardianStatus.FILE);
        Files.writeString(file, "{\"version\":1,\"pid\":1,\"guarded\":3,\"missing\":[]}\n");
        Files.createFile(state.resolve(StateDirectory.LOCK_FILE));
        assertThat(GuardianStatus.ofRunningGuardian(state))
                .as("nobody holds the lock")
                .isEmpty();

        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(state)
                .namespaces(NamespaceSource.of(List.of()))
                .warmUp(0)
                .build()) {
            assertThat(file)
                    .as("removed when the new guardian claims the directory")
                    .doesNotExist();
            assertThat(GuardianStatus.ofRunningGuardian(state))
                    .as("locked, but no pass yet: nothing said")
                    .isEmpty();
            g.start();
            assertThat(awaitStatus(s -> true))
                    .isEqualTo(new GuardianStatus(ProcessHandle.current().pid(), 0, List.of()));
        }
    }

    private GuardianStatus awaitStatus(Predicate<GuardianStatus> wanted) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Optional<GuardianStatus> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            last = GuardianStatus.ofRunningGuardian(state);
            if (last.isPresent() && wanted.test(last.get())) {
                return last.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no such status in 10 s; last read: " + last + "; events: " + events);
    }
}
