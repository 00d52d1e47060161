package dev.hostkit.guard;

import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.testkit.TestJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The state writer's batches: unchanged states are not written again, and a batch killed midway leaves whole files. */
class StateBatchTest {
    private static final int NAMESPACES = 40;

    @TempDir
    Path tmp;

    @Test
    void aRestoredSnapshotThatIsUnchangedIsNotRewrittenEvenByTheNextGuardian() throws Exception {
        Path dir = tmp.resolve("state");
        NamespaceRef ns = Snapshots.ns(11);
        NamespaceState st = new NamespaceState(ns, List.of(Snapshots.eth1(ns)));
        Object first;
        try (SnapshotStore store = new SnapshotStore(dir)) {
            store.write(st);
            first = fileKey(store.fileOf(ns.id()));
            store.write(new NamespaceState(ns, List.of(Snapshots.eth1(ns))));
            assertThat(fileKey(store.fileOf(ns.id())))
                    .as("the same content is not written again (a rename would make a new inode)")
                    .isEqualTo(first);
        }
        try (SnapshotStore next = new SnapshotStore(dir)) {
            assertThat(next.load().states()).containsExactly(st);
            next.write(st);
            assertThat(fileKey(next.fileOf(ns.id())))
                    .as("what the next guardian read is not written again")
                    .isEqualTo(first);
            NamespaceState repaired =
                    new NamespaceState(ns, List.of(Snapshots.eth1(ns).recreated(9, 6, 1L)));
            next.write(repaired);
            assertThat(fileKey(next.fileOf(ns.id())))
                    .as("a changed state is written")
                    .isNotEqualTo(first);
            assertThat(indexes(next)).containsExactly(9);
            // Removed and written again: the memory of the removed file must not skip the write.
            next.delete(ns.id());
            assertThat(next.load().states()).isEmpty();
            next.write(repaired);
            assertThat(indexes(next)).containsExactly(9);
        }
    }

    @Test
    void changesAskedWhileABatchIsWrittenAreCoalescedAndTheLatestOfEachNamespaceWins() throws Exception {
        Path dir = tmp.resolve("state");
        Map<Long, Integer> latestWritten = new ConcurrentHashMap<>();

        try (SnapshotStore store = new SnapshotStore(dir)) {
            try (StateWriter w = new StateWriter(store, new GuardCounters())) {
                for (int round = 1; round <= 5; round++) {
                    for (int i = 0; i < NAMESPACES; i++) {
                        NamespaceRef ns = Snapshots.ns(100 + i);
                        NamespaceState st = new NamespaceState(
                                ns, List.of(Snapshots.eth1(ns).recreated(round, round, round)));
                        int r = round;
                        // The latest change's callback runs (it marks the namespace on disk for its repairs).
                        w.write(st, () -> true, () -> latestWritten.put(ns.inode(), r));
                    }
                }
                w.delete(Snapshots.ns(100).id());
                assertThat(w.flush(Duration.ofSeconds(30))).isTrue();
                for (int i = 1; i < NAMESPACES; i++) {
                    assertThat(latestWritten.get(100L + i))
                            .as("namespace %d", 100 + i)
                            .isEqualTo(5);
                }
            }
            SnapshotStore.Loaded loaded = store.load();
            assertThat(loaded.problems()).isEmpty();
            assertThat(loaded.states())
                    .hasSize(NAMESPACES - 1)
                    .noneMatch(
                            st -> st.namespace().id().equals(Snapshots.ns(100).id()));
            assertThat(indexes(store)).as("the latest state of each").containsOnly(5);
        }
    }

    @Test
    void batchesKilledAtAnyPointLeaveEveryFileWholeWithTheOldOrTheNewContent() throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            Path dir = tmp.resolve("state" + attempt);
            Process writer = new ProcessBuilder(TestJvm.command(List.of(), BatchWriter.class, dir.toString()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            int rounds;
            try {
                BufferedReader out =
                        new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
                int wanted = 2 + ThreadLocalRandom.current().nextInt(4);
                String line = null;
                for (int i = 0; i < wanted; i++) {
                    line = out.readLine();
                }
                assertThat(line).startsWith("round ");
                rounds = Integer.parseInt(line.substring("round ".length()));
                Thread.sleep(ThreadLocalRandom.current().nextInt(5)); // somewhere inside the next batch
            } finally {
                writer.destroyForcibly(); // SIGKILL: no shutdown hook, no close
                assertThat(writer.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            try (SnapshotStore store = new SnapshotStore(dir)) {
                SnapshotStore.Loaded loaded = store.load();
                assertThat(loaded.problems()).as("every file parses whole").isEmpty();
                assertThat(loaded.states()).hasSize(NAMESPACES);
                List<Integer> seen = new ArrayList<>();
                for (NamespaceState st : loaded.states()) {
                    int round = st.interfaces().get(0).ifindex();
                    seen.add(round);
                    assertThat(st.interfaces()).hasSize(BatchWriter.INTERFACES);
                    assertThat(st.interfaces()).allMatch(s -> s.ifindex() == round);
                }
                // The writer may be a round or more past the line read; within one kill, each file is the last
                // finished batch's or the interrupted one's.
                int oldest = seen.stream().mapToInt(Integer::intValue).min().orElseThrow();
                int newest = seen.stream().mapToInt(Integer::intValue).max().orElseThrow();
                assertThat(oldest).isGreaterThanOrEqualTo(rounds);
                assertThat(newest - oldest)
                        .as("old or new content of one batch")
                        .isLessThanOrEqualTo(1);
                try (var files = Files.list(dir)) {
                    assertThat(files.map(f -> f.getFileName().toString()))
                            .as("the interrupted batch's temp files were removed by the load")
                            .noneMatch(n -> n.endsWith(".tmp"));
                }
            }
        }
    }

    private static List<Integer> indexes(SnapshotStore store) {
        List<Integer> out = new ArrayList<>();
        store.load().states().forEach(st -> st.interfaces().forEach(s -> out.add(s.ifindex())));
        return out;
    }

    private static Object fileKey(Path f) throws Exception {
        return Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
    }

    /** Writes batches of {@link #NAMESPACES} large state files round after round until killed; says each round. */
    static final class BatchWriter {
        static final int INTERFACES = 30;

        public static void main(String[] args) throws Exception {
            try (SnapshotStore store = new SnapshotStore(Path.of(args[0]))) {
                for (int round = 1; ; round++) {
                    List<SnapshotStore.Change> batch = new ArrayList<>();
                    for (int i = 0; i < NAMESPACES; i++) {
                        NamespaceRef ns = Snapshots.ns(100 + i);
                        List<InterfaceSnapshot> ifaces = new ArrayList<>();
                        for (int k = 0; k < INTERFACES; k++) {
                            ifaces.add(Snapshots.named(Snapshots.eth1(ns), "eth" + k)
                                    .recreated(round, round, round));
                        }
                        batch.add(new SnapshotStore.Change(ns.id(), new NamespaceState(ns, ifaces)));
                    }
                    if (!store.writeAll(batch).isEmpty()) {
                        throw new IllegalStateException("a write failed");
                    }
                    System.out.println("round " + round);
                    System.out.flush();
                }
            }
        }
    }
}
