package dev.hostkit.guard;

import dev.hostkit.core.AtomicFiles;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class StateWriterTest {
    @TempDir
    Path dir;

    @Test
    void aWriteThatFailsIsCountedNotLost() throws Exception {
        AtomicBoolean written = new AtomicBoolean();
        Path state = dir.resolve("state");
        GuardCounters counters = new GuardCounters();
        try (SnapshotStore store = new SnapshotStore(state)) {
            Files.delete(state.resolve(StateDirectory.LOCK_FILE));
            Files.delete(state); // the directory went away under the guardian
            try (StateWriter w = new StateWriter(store, counters)) {
                w.write(
                        new NamespaceState(Snapshots.ns(5), List.of(Snapshots.eth1(Snapshots.ns(5)))),
                        () -> true,
                        () -> written.set(true));
            }
        }
        assertThat(counters.stateFileErrors.get()).isEqualTo(1);
        assertThat(written).isFalse(); // a repair still waits for the next write
    }

    @Test
    void aFailureThatIsNotIoIsCountedToo() throws Exception {
        GuardCounters counters = new GuardCounters();
        try (SnapshotStore store = new SnapshotStore(dir.resolve("state"));
                StateWriter w = new StateWriter(store, counters)) {
            w.write(
                    new NamespaceState(Snapshots.ns(5), List.of()),
                    () -> {
                        throw new IllegalStateException("a bug in the caller");
                    },
                    () -> {});
        }
        assertThat(counters.stateFileErrors.get()).isEqualTo(1);
    }

    @Test
    void flushReturnsOnceEveryWriteAskedBeforeItIsOnDisk() throws Exception {
        Path state = dir.resolve("state");
        AtomicBoolean written = new AtomicBoolean();
        try (SnapshotStore store = new SnapshotStore(state);
                StateWriter w = new StateWriter(store, new GuardCounters())) {
            w.write(
                    new NamespaceState(Snapshots.ns(5), List.of(Snapshots.eth1(Snapshots.ns(5)))),
                    () -> true,
                    () -> written.set(true));
            assertThat(w.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(written).isTrue();
            try (Stream<Path> files = Files.list(state)) {
                assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.endsWith(".json"));
            }
        }
    }

    @Test
    void temporaryNamesCarryTheGuardiansTagAndOnlyItsOwnAreItsOwn() {
        String tag = GuardNet.tagFor(dir);
        String mine = GuardNet.temporaryName(tag);
        assertThat(tag).hasSize(6).matches("[0-9a-f]{6}");
        assertThat(GuardNet.tagFor(dir.resolve("x/.."))).isEqualTo(tag);
        assertThat(mine).hasSize(15).matches(GuardNet.TEMP_NAME.pattern());
        assertThat(GuardNet.isTemporaryOf(tag, mine)).isTrue();
        assertThat(GuardNet.isTemporaryOf(GuardNet.tagFor(dir.resolve("other")), mine))
                .isFalse();
        assertThat(GuardNet.isTemporaryOf(tag, "eth1")).isFalse();
    }

    @Test
    void theStatusIsWrittenOnlyWhenItChangesAskedAgainWhenBusyAndRemovedAtClose() throws Exception {
        Path state = dir.resolve("state");
        Path file = state.resolve(GuardianStatus.FILE);
        AtomicInteger asked = new AtomicInteger();
        AtomicReference<GuardianStatus> now = new AtomicReference<>(new GuardianStatus(1, 0, List.of()));
        try (SnapshotStore store = new SnapshotStore(state);
                StateWriter w = new StateWriter(store, new GuardCounters())) {
            w.statusChanged();
            assertThat(w.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(file).as("not published yet").doesNotExist();

            // The first take finds a namespace busy (null): the status is asked again, not dropped.
            w.publishStatus(() -> asked.incrementAndGet() == 1 ? null : now.get());
            awaitContent(file, "\"guarded\":0");
            long firstWrite = Files.getLastModifiedTime(file).toMillis();
            int takes = asked.get();

            w.statusChanged(); // nothing changed: taken again, not written again
            assertThat(w.flush(Duration.ofSeconds(30))).isTrue();
            assertThat(asked.get()).isEqualTo(takes + 1);
            assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(firstWrite);

            now.set(new GuardianStatus(1, 1, List.of(new GuardianStatus.Missing("eth1", 5, 0, "p", true))));
            w.statusChanged();
            awaitContent(file, "\"waitsForParent\":true");
            assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrderElementsOf(AtomicFiles.OWNER_ONLY);
        }
        assertThat(file).as("a stopped guardian says nothing").doesNotExist();
    }

    private static void awaitContent(Path file, String part) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(Files.exists(file) && Files.readString(file).contains(part))) {
            assertThat(System.nanoTime())
                    .as("%s holds %s within 10 s", file, part)
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
