package dev.hostkit.guard;

import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unknown is not gone: while every look at a guarded namespace fails, the guardian keeps its snapshots and its state
 * files byte for byte, counts the errors, and repairs the interface once it can look again.
 */
@HostTest
class GuardLookErrorsIT {
    @TempDir
    Path state;

    /** The namespace look seam: the real source, or (while {@link #failing}) an EACCES on every namespace file. */
    private static final class FlakySource implements NamespaceSource {
        final AtomicBoolean failing = new AtomicBoolean();
        private final NamespaceSource real;
        private final List<Path> paths;

        FlakySource(List<Path> paths) {
            this.paths = paths;
            this.real = NamespaceSource.of(paths);
        }

        @Override
        public List<Candidate> discover() {
            return look().found();
        }

        @Override
        public Look look() {
            if (!failing.get()) {
                return real.look();
            }
            return new Look(
                    List.of(),
                    paths.stream()
                            .map(p -> new LookError(p, "EACCES", p + ": Permission denied"))
                            .toList());
        }
    }

    private Map<Path, byte[]> stateFiles() throws Exception {
        Map<Path, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(state)) {
            // The state files only: guardian.lock (the running guardian's flock, with its pid) is not state.
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .toList()) {
                out.put(f.getFileName(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    @Test
    void keepsEverySnapshotAndStateFileThroughTenPassesOfLookErrorsThenRepairs(TestNetns a, TestNetns b)
            throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.giveMacvlan(b.path(), parent.name(), 3, 1400);
            GuardTestNet.awaitDad(a.path(), b.path());
            String beforeA = GuardTestNet.state(a.path(), "eth1");
            FlakySource source = new FlakySource(List.of(a.path(), b.path()));
            List<GuardEvent> events = new ArrayList<>();
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(source)
                    .build()) {
                events.addAll(g.reconcileOnce());
                assertThat(events)
                        .extracting(GuardEvent::type)
                        .containsOnly(Type.SNAPSHOT)
                        .hasSize(2);
                g.close(); // flushes the writer
            }
            Map<Path, byte[]> files = stateFiles();
            assertThat(files).hasSize(2);

            // The parent goes and comes back while the guardian cannot look: the interfaces are lost meanwhile.
            parent.unload();
            parent.load();
            source.failing.set(true);
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(source)
                    .build()) {
                List<InterfaceSnapshot> snapshots = g.snapshots();
                for (int pass = 0; pass < 10; pass++) {
                    events.addAll(g.reconcileOnce());
                }
                assertThat(events).extracting(GuardEvent::type).doesNotContain(Type.DROPPED, Type.REPAIRED, Type.LOST);
                assertThat(g.snapshots()).containsExactlyInAnyOrderElementsOf(snapshots);
                assertThat(g.metrics().lookErrors()).containsEntry("EACCES", 20L);
                assertThat(g.metrics().toPrometheusText())
                        .contains("hostkit_guard_look_errors_total{reason=\"EACCES\"} 20");
                assertThat(g.metrics().dropped()).isZero();
                assertThat(stateFiles()).usingRecursiveComparison().isEqualTo(files);

                // Reads work again: the lost interfaces are put back.
                source.failing.set(false);
                assertThat(g.reconcileOnce())
                        .extracting(GuardEvent::type)
                        .containsOnly(Type.LOST, Type.REPAIRED)
                        .filteredOn(t -> t == Type.REPAIRED)
                        .hasSize(2);
            }
            assertThat(GuardTestNet.state(a.path(), "eth1")).isEqualTo(beforeA);
        }
    }

    @Test
    void aNamespaceProvenGoneByACompleteLookIsStillForgotten(TestNetns a) throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            TestNetns b = TestNetns.create();
            Path bPath = b.path();
            GuardTestNet.giveMacvlan(a.path(), parent.name(), 2, 1500);
            GuardTestNet.giveMacvlan(bPath, parent.name(), 3, 1500);
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of(a.path(), bPath)))
                    .build()) {
                g.reconcileOnce();
                b.close();
                assertThat(g.reconcileOnce())
                        .extracting(GuardEvent::type, GuardEvent::reason)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple(
                                Type.DROPPED, "namespace is gone (no process or name refers to it)"));
                assertThat(g.metrics().lookErrors()).isEmpty();
            }
            assertThat(stateFiles()).hasSize(1);
        }
    }
}
