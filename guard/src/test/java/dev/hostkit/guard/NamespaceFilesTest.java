package dev.hostkit.guard;

import dev.hostkit.guard.NamespaceSource.Look;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NamespaceFilesTest {
    @TempDir
    Path tmp;

    private DirectoryChanges changes;
    private long device;

    @BeforeEach
    void open() throws Exception {
        changes = new DirectoryChanges();
        // The temporary directory's files stand in for namespace files: their device is "the namespace device".
        device = NamespaceSource.stat(tmp).device();
    }

    @AfterEach
    void close() {
        changes.close();
    }

    private Look look(NamespaceFiles files) {
        changes.drain();
        return files.look(changes, false);
    }

    private static List<String> names(Look l) {
        return l.found().stream().map(c -> c.path().getFileName().toString()).toList();
    }

    @Test
    void aNameMadeOrRemovedIsSeenAtTheNextLookAndNothingElseIsStatted() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("netns"));
        for (int i = 0; i < 20; i++) {
            Files.createFile(dir.resolve("ns" + i));
        }
        NamespaceFiles files = NamespaceFiles.in(dir, device);
        Look first = look(files);
        assertThat(first.found()).hasSize(20);
        int stats = files.stats();

        Look unchanged = look(files);
        assertThat(unchanged).isSameAs(first);
        assertThat(files.stats()).isEqualTo(stats);

        Files.createFile(dir.resolve("web"));
        Look added = look(files);
        assertThat(names(added)).contains("web").hasSize(21);
        assertThat(files.stats()).isEqualTo(stats + 1);
        assertThat(added.found())
                .filteredOn(c -> c.path().endsWith("web"))
                .singleElement()
                .satisfies(c -> assertThat(c.id()).isEqualTo(NamespaceSource.stat(dir.resolve("web"))));

        Files.delete(dir.resolve("ns3"));
        Files.move(dir.resolve("ns4"), dir.resolve("db"));
        Look removed = look(files);
        assertThat(names(removed))
                .doesNotContain("ns3", "ns4")
                .contains("db", "web")
                .hasSize(20);
        assertThat(files.look(changes, true).found()).isEqualTo(removed.found()); // what a full look finds
    }

    @Test
    void explicitPathsAreWatchedThroughTheirDirectory() throws Exception {
        Path a = Files.createFile(tmp.resolve("a"));
        Path b = tmp.resolve("b");
        Files.createFile(tmp.resolve("unrelated"));
        NamespaceFiles files = NamespaceFiles.of(List.of(a, b), device);
        assertThat(names(look(files))).containsExactly("a");
        int stats = files.stats();

        Files.createFile(tmp.resolve("other")); // not one of ours: nothing is read
        assertThat(names(look(files))).containsExactly("a");
        assertThat(files.stats()).isEqualTo(stats);

        Files.createFile(b);
        Files.delete(a);
        assertThat(names(look(files))).containsExactly("b");
    }

    @Test
    void aFileNotYetANamespaceIsStattedAtEveryLook() throws Exception {
        // ip netns add makes the name, then bind-mounts the namespace on it: no event tells of the mount.
        Path dir = Files.createDirectory(tmp.resolve("netns"));
        Files.createFile(dir.resolve("pending"));
        NamespaceFiles files = NamespaceFiles.in(dir, device + 1);
        look(files);
        int stats = files.stats();
        look(files);
        look(files);
        assertThat(files.stats()).isEqualTo(stats + 2);
    }

    @Test
    void aReplacedOrMissingDirectoryIsListedAgain() throws Exception {
        Path dir = tmp.resolve("netns");
        NamespaceFiles files = NamespaceFiles.in(dir, device);
        assertThat(look(files).found()).isEmpty(); // missing: empty, and listed again at each look
        Files.createDirectory(dir);
        Files.createFile(dir.resolve("x"));
        assertThat(names(look(files))).containsExactly("x");

        Path moved = Files.move(dir, tmp.resolve("old"));
        Files.createDirectory(dir);
        Files.createFile(dir.resolve("y"));
        assertThat(names(look(files))).containsExactly("y");
        Files.createFile(dir.resolve("z"));
        assertThat(names(look(files))).containsExactly("y", "z");
        Files.createFile(moved.resolve("stale")); // the former directory's events say nothing of this one
        assertThat(names(look(files))).containsExactly("y", "z");
    }

    @Test
    void aProcessesNamespaceFileIsStattedAtEveryLook() throws Exception {
        // /proc/PID/ns/net goes with its process; no directory event tells of it.
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Path link = Path.of("/proc/" + sleeper.pid() + "/ns/net");
            NamespaceFiles files = NamespaceFiles.of(List.of(link), NamespaceScan.NSFS_DEVICE);
            assertThat(look(files).found()).singleElement().satisfies(c -> {
                assertThat(c.pid()).isEqualTo((int) sleeper.pid());
                assertThat(c.id()).isEqualTo(NamespaceSource.stat(link));
            });
            assertThat(look(files).found()).hasSize(1);
            sleeper.destroyForcibly();
            sleeper.waitFor();
            assertThat(look(files).found()).isEmpty();
        } finally {
            sleeper.destroyForcibly();
        }
    }
}
