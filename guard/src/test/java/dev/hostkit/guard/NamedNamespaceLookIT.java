package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The running guardian's periodic look at named namespaces is told of new and removed names by inotify: a namespace
 * named after the start is guarded, and one deleted is dropped, within a few passes, far below the full look's
 * {@link NamespaceFiles#FULL_LOOK_NANOS}.
 */
@HostTest
class NamedNamespaceLookIT {
    @TempDir
    Path state;

    private final List<GuardEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void aNamespaceNamedAfterTheStartIsGuardedAndOneDeletedIsDroppedAtTheNextPasses(TestNetns first) throws Exception {
        String name = TestNames.next("nl");
        Path later = NetNamespace.NAMED_DIR.resolve(name);
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(first.path(), parent.name(), 2, 1500);
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(first.path(), later)))
                    .resync(Duration.ofMillis(200))
                    .listener(events::add)
                    .build()) {
                g.start();
                GuardEvents.await(events, "the first snapshot", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 1);
                Thread.sleep(600); // passes that find nothing new: the look is the kept one

                Sh.run("ip", "netns", "add", name);
                long inode = NamespaceSource.stat(later).inode();
                GuardTestNet.giveMacvlan(later, parent.name(), 3, 1500);
                GuardEvents.await(
                        events,
                        "the later namespace's snapshot",
                        e -> e.stream().anyMatch(ev -> ev.type() == Type.SNAPSHOT && ev.netnsInode() == inode));

                Sh.run("ip", "netns", "del", name);
                GuardEvents.await(
                        events,
                        "the deleted namespace dropped",
                        e -> e.stream().anyMatch(ev -> ev.type() == Type.DROPPED && ev.netnsInode() == inode));
                long deadline = System.nanoTime() + 5_000_000_000L; // the event goes out as the snapshot is dropped
                while (g.snapshots().size() > 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(g.snapshots()).extracting(s -> s.namespace().path()).containsOnly(first.path());
            }
        } finally {
            Sh.exec("ip", "netns", "del", name);
        }
    }

    @Test
    void aMacvlanMadeInANamespaceJudgedEmptyIsFoundAfterTheHostsEventOnItsParent(TestNetns guarded, TestNetns empty)
            throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(guarded.path(), parent.name(), 2, 1500);
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(guarded.path(), empty.path())))
                    .resync(Duration.ofMillis(200))
                    .listener(events::add)
                    .build()) {
                g.start();
                GuardEvents.await(events, "the first snapshot", e -> GuardEvents.count(e, Type.SNAPSHOT) >= 1);
                Thread.sleep(1_000); // the empty namespace is judged so; the kept looks since have read nothing

                // The host's event on the parent (a new upper device) is what makes the next pass open it again.
                GuardTestNet.giveMacvlan(empty.path(), parent.name(), 3, 1500);
                long inode = NamespaceSource.stat(empty.path()).inode();
                GuardEvents.await(
                        events,
                        "the snapshot in the namespace judged empty",
                        e -> e.stream().anyMatch(ev -> ev.type() == Type.SNAPSHOT && ev.netnsInode() == inode));
            }
        }
    }
}
