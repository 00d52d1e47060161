package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotStoreTest {
    @TempDir
    Path tmp;

    @Test
    void writesPrivateFilesInAPrivateDirectoryAndReadsThemBack() throws Exception {
        try (SnapshotStore store = new SnapshotStore(tmp.resolve("state"))) {
            writesAndReadsBack(store);
        }
    }

    private static void writesAndReadsBack(SnapshotStore store) throws Exception {
        NamespaceRef ns = Snapshots.ns(11);
        NamespaceState st = new NamespaceState(ns, List.of(Snapshots.eth1(ns)));
        store.write(st);
        Path file = store.fileOf(ns.id());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir())))
                .isEqualTo("rwx------");
        assertThat(store.load().states()).containsExactly(st);
        assertThat(store.load().problems()).isEmpty();
        try (var files = Files.list(store.dir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(file.getFileName().toString(), StateDirectory.LOCK_FILE);
        }
    }

    @Test
    void reportsAndSkipsCorruptHalfWrittenAndMisplacedFilesButLoadsTheRest() throws Exception {
        try (SnapshotStore store = new SnapshotStore(tmp)) {
            reportsAndSkips(store);
        }
    }

    private void reportsAndSkips(SnapshotStore store) throws Exception {
        NamespaceRef good = Snapshots.ns(21);
        NamespaceState st = new NamespaceState(good, List.of(Snapshots.eth1(good)));
        store.write(st);
        String text = SnapshotCodec.encode(st);
        Files.writeString(tmp.resolve("netns-4-22.json"), text.substring(0, text.length() / 2));
        Files.write(tmp.resolve("netns-4-23.json"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        Files.writeString(tmp.resolve("netns-4-24.json"), text); // holds inode 21
        Files.createDirectory(tmp.resolve("netns-4-25.json"));
        Files.write(tmp.resolve("netns-4-26.json"), new byte[(int) SnapshotStore.MAX_FILE_BYTES + 1]);
        Path interrupted = tmp.resolve(".netns-4-21.json123.tmp");
        Files.writeString(interrupted, "{\"vers");
        Files.writeString(tmp.resolve("README"), "not ours");

        SnapshotStore.Loaded loaded = store.load();

        assertThat(loaded.states()).containsExactly(st);
        assertThat(loaded.problems())
                .extracting(p -> p.file().getFileName().toString())
                .containsExactlyInAnyOrder(
                        "netns-4-22.json", "netns-4-23.json", "netns-4-24.json", "netns-4-25.json", "netns-4-26.json");
        assertThat(loaded.problems())
                .filteredOn(p -> p.file().endsWith("netns-4-23.json"))
                .first()
                .extracting(StateFileProblem::reason)
                .asString()
                .contains("UTF-8");
        assertThat(interrupted).doesNotExist();
        assertThat(tmp.resolve("README")).exists();
    }

    @Test
    void anEmptyStateRemovesTheFile() throws Exception {
        try (SnapshotStore store = new SnapshotStore(tmp)) {
            NamespaceRef ns = Snapshots.ns(31);
            store.write(new NamespaceState(ns, List.of(Snapshots.eth1(ns))));
            store.write(new NamespaceState(ns, List.of()));
            assertThat(store.fileOf(ns.id())).doesNotExist();
            assertThat(store.load().states()).isEmpty();
        }
    }

    @Test
    void aFileForTheGuardiansOwnNamespaceIsRefusedByIdentityWhateverItsPath() throws Exception {
        NetNamespace.NsId own = NetNamespace.idOf(Path.of("/proc/self/ns/net"));
        // A path that leads elsewhere and a cookie of its own: only the identity counts.
        NamespaceRef host = new NamespaceRef(own.device(), own.inode(), 12345, 1, Path.of("/var/run/netns/hknothost"));
        Path file = tmp.resolve("netns-" + own.device() + "-" + own.inode() + ".json");
        Files.writeString(file, SnapshotCodec.encode(new NamespaceState(host, List.of(Snapshots.eth1(host)))));
        try (SnapshotStore store = new SnapshotStore(tmp)) {
            SnapshotStore.Loaded loaded = store.load();
            assertThat(loaded.states()).isEmpty();
            assertThat(loaded.problems()).singleElement().satisfies(p -> {
                assertThat(p.file()).isEqualTo(file);
                assertThat(p.toString())
                        .contains(file.toString(), "field \"namespace\"", "the guardian's own network namespace");
            });
        }
        assertThat(MacvlanGuardian.readState(tmp).problems())
                .extracting(StateFileProblem::file)
                .containsExactly(file);
        assertThat(file).exists(); // refused, not deleted: it is evidence for the operator
    }

    @Test
    void badInterfacesAreRefusedByFileAndFieldAndTheirNeighboursKept() throws Exception {
        NamespaceRef ns = Snapshots.ns(51);
        InterfaceSnapshot good = Snapshots.named(Snapshots.eth1(ns), "eth0");
        String text = SnapshotCodec.encode(new NamespaceState(
                        ns,
                        List.of(
                                good,
                                Snapshots.eth1(ns),
                                Snapshots.named(Snapshots.eth1(ns), "eth2"),
                                Snapshots.named(Snapshots.eth1(ns), "eth3"))))
                .replaceFirst(
                        "\"name\":\"eth2\",(\"ifindex\":7,)\"mac\":\"02:42:ac:11:00:02\"",
                        "\"name\":\"eth2\",$1\"mac\":\"01:00:5e:00:00:01\"")
                .replace("\"name\":\"eth3\"", "\"name\":\"eth1\"");
        Path file = tmp.resolve("netns-4-51.json");
        Files.writeString(file, text);
        try (SnapshotStore store = new SnapshotStore(tmp)) {
            SnapshotStore.Loaded loaded = store.load();
            assertThat(loaded.states())
                    .singleElement()
                    .extracting(NamespaceState::interfaces)
                    .asList()
                    .containsExactly(good);
            assertThat(loaded.problems())
                    .extracting(StateFileProblem::toString)
                    .containsExactly(
                            file
                                    + ": field \"interfaces[2].mac\": 01:00:5e:00:00:01 is a multicast address; a macvlan needs a unicast MAC",
                            file
                                    + ": field \"interfaces[1].name\": 'eth1' is used by 2 interfaces in one namespace (entries [1, 3]); none of them is acted on",
                            file
                                    + ": field \"interfaces[3].name\": 'eth1' is used by 2 interfaces in one namespace (entries [1, 3]); none of them is acted on");
        }
    }

    @Test
    void strictFieldErrorsNameTheFileAndTheField() throws Exception {
        NamespaceRef ns = Snapshots.ns(61);
        String text = SnapshotCodec.encode(new NamespaceState(ns, List.of(Snapshots.eth1(ns))));
        Path unknown = tmp.resolve("netns-4-61.json");
        Files.writeString(unknown, text.replace("\"up\":true", "\"up\":true,\"speed\":100"));
        Path missing = tmp.resolve("netns-4-62.json");
        Files.writeString(missing, text.replace("\"inode\":61", "\"inode\":62").replace("\"ifindex\":7,", ""));
        try (SnapshotStore store = new SnapshotStore(tmp)) {
            assertThat(store.load().problems())
                    .extracting(StateFileProblem::toString)
                    .containsExactly(
                            unknown + ": field \"interfaces[0].speed\": unknown field",
                            missing + ": field \"interfaces[0].ifindex\": missing");
        }
    }

    @Test
    void readStateChangesNothingAndReportsUnusableFiles() throws Exception {
        Path dir = Files.createDirectory(
                tmp.resolve("live"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        SnapshotStore writer = SnapshotStore.reader(dir);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                        () -> writer.write(new NamespaceState(Snapshots.ns(1), List.of()))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reading only");
        NamespaceRef a = Snapshots.ns(42);
        NamespaceRef b = Snapshots.ns(41);
        Files.writeString(
                dir.resolve("netns-4-42.json"),
                SnapshotCodec.encode(new NamespaceState(a, List.of(Snapshots.eth1(a)))));
        Files.writeString(
                dir.resolve("netns-4-41.json"),
                SnapshotCodec.encode(new NamespaceState(b, List.of(Snapshots.eth1(b)))));
        Files.writeString(dir.resolve("netns-4-43.json"), "{");
        Path inFlight = dir.resolve(".netns-4-42.json77.tmp");
        Files.writeString(inFlight, "{\"vers");

        GuardianState state = MacvlanGuardian.readState(dir);

        assertThat(state.snapshots()).extracting(s -> s.namespace().inode()).containsExactly(41L, 42L);
        assertThat(state.problems())
                .extracting(p -> p.file().getFileName().toString())
                .containsExactly("netns-4-43.json");
        assertThat(inFlight).exists();
        assertThat(dir.resolve(StateDirectory.LOCK_FILE)).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwxr-x---");
    }

    @Test
    void readStateOfAMissingDirectoryFailsWithoutCreatingIt() {
        Path missing = tmp.resolve("nope");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> MacvlanGuardian.readState(missing)))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("does not exist");
        assertThat(missing).doesNotExist();
    }
}
