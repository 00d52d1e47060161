package dev.hostkit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesTheGivenModeWhateverTheFileHadBeforeAndLeavesNoTempFile() throws Exception {
        Path f = dir.resolve("state.json");
        AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8), AtomicFiles.WORLD_READABLE);
        AtomicFiles.write(f, "new".getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
        assertThat(Files.readString(f)).isEqualTo("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                .isEqualTo("rw-------");
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(f);
        }
    }

    @Test
    void aLinkSomeonePutWhereTheTempFileWouldGoIsLeftAloneAndNotFollowed() throws Exception {
        Path f = dir.resolve("state.json");
        Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "theirs");
        long pid = ProcessHandle.current().pid();
        Path trap = dir.resolve(".state.json." + pid + "-" + (AtomicFiles.TEMP_COUNTER.get() + 1) + ".tmp");
        Files.createSymbolicLink(trap, elsewhere);

        AtomicFiles.write(f, "ours".getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);

        assertThat(Files.readString(f)).isEqualTo("ours");
        assertThat(Files.readString(elsewhere)).isEqualTo("theirs");
        assertThat(Files.isSymbolicLink(trap)).isTrue();
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactlyInAnyOrder(f, elsewhere, trap);
        }
    }

    @Test
    void textFilesAreReadableByEveryoneForCollectorsThatDoNotRunAsRoot() throws Exception {
        Path f = dir.resolve("sub/doctor.prom");
        AtomicFiles.write(f, "x 1\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                .isEqualTo("rw-r--r--");
        assertThat(Files.readString(f)).isEqualTo("x 1\n");
    }

    @Test
    void deleteSaysWhetherThereWasAFile() throws Exception {
        Path f = dir.resolve("gone");
        assertThat(AtomicFiles.delete(f)).isFalse();
        Files.writeString(f, "x");
        assertThat(AtomicFiles.delete(f)).isTrue();
        assertThat(f).doesNotExist();
    }

    @Test
    void aFailedDirectoryFsyncFailsTheWriteNamingTheDirectoryAndTheTargetHoldsOldOrNewContent() throws Exception {
        Path f = dir.resolve("state.json");
        AtomicFiles.write(f, "old".getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
        List<Path> synced = new ArrayList<>();
        AtomicFiles.DirectorySync real = AtomicFiles.directorySync;
        AtomicFiles.directorySync = d -> {
            synced.add(d);
            throw new IOException("Input/output error"); // what fsync(2) reports when writeback failed (EIO)
        };
        try {
            assertThatThrownBy(() -> AtomicFiles.write(
                            f, "new content".getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("fsync of directory " + dir.toAbsolutePath())
                    .hasMessageContaining("state.json was renamed into place")
                    .hasMessageContaining("may not survive a crash")
                    .hasMessageContaining("Input/output error");
            assertThatThrownBy(() -> AtomicFiles.delete(f))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("fsync of directory " + dir.toAbsolutePath())
                    .hasMessageContaining("state.json was removed")
                    .hasMessageContaining("may not survive a crash");
        } finally {
            AtomicFiles.directorySync = real;
        }
        assertThat(synced).containsExactly(dir.toAbsolutePath(), dir.toAbsolutePath());
        try (var entries = Files.list(dir)) {
            assertThat(entries).as("no temp file is left behind").isEmpty();
        }
    }

    @Test
    void whenTheDirectoryFsyncFailsTheTargetHoldsTheOldOrTheNewContentNeverHalf() throws Exception {
        Path f = dir.resolve("metrics.prom");
        String old = "a 1\n".repeat(1000);
        String next = "b 2\n".repeat(2000);
        AtomicFiles.write(f, old);
        AtomicFiles.DirectorySync real = AtomicFiles.directorySync;
        AtomicFiles.directorySync = d -> {
            throw new IOException("Input/output error");
        };
        try {
            assertThatThrownBy(() -> AtomicFiles.write(f, next)).hasMessageContaining("may not survive a crash");
        } finally {
            AtomicFiles.directorySync = real;
        }
        assertThat(Files.readString(f)).isIn(old, next);
        try (var entries = Files.list(dir)) {
            assertThat(entries).containsExactly(f);
        }
    }

    @Test
    void aBatchWritesAndRemovesManyFilesWithOneDirectoryFsyncAndSaysWhichFailed() throws Exception {
        Path gone = dir.resolve("gone.json");
        Files.writeString(gone, "x");
        Path kept = dir.resolve("kept.json");
        AtomicFiles.write(kept, "old".getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
        Map<Path, byte[]> changes = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            changes.put(dir.resolve("f" + i + ".json"), ("content " + i).getBytes(StandardCharsets.UTF_8));
        }
        changes.put(kept, "new".getBytes(StandardCharsets.UTF_8));
        changes.put(gone, null);
        changes.put(dir.resolve("never-was.json"), null);
        Path elsewhere = dir.resolve("sub/other.json");
        changes.put(elsewhere, "x".getBytes(StandardCharsets.UTF_8));
        List<Path> synced = new ArrayList<>();
        AtomicFiles.DirectorySync real = AtomicFiles.directorySync;
        AtomicFiles.directorySync = d -> {
            synced.add(d);
            real.force(d);
        };
        Map<Path, IOException> failed;
        try {
            failed = AtomicFiles.writeAll(dir, changes, AtomicFiles.OWNER_ONLY);
        } finally {
            AtomicFiles.directorySync = real;
        }
        assertThat(failed).containsOnlyKeys(elsewhere);
        assertThat(failed.get(elsewhere)).hasMessageContaining("is not in the batch's directory");
        assertThat(synced).as("one directory fsync for the whole batch").containsExactly(dir.toAbsolutePath());
        for (int i = 0; i < 5; i++) {
            assertThat(Files.readString(dir.resolve("f" + i + ".json"))).isEqualTo("content " + i);
        }
        assertThat(Files.readString(kept)).isEqualTo("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)))
                .isEqualTo("rw-------");
        assertThat(gone).doesNotExist();
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void whenTheBatchsDirectoryFsyncFailsEveryChangedFileIsReportedAndHoldsOldOrNewContent() throws Exception {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        AtomicFiles.write(a, "old a".getBytes(StandardCharsets.UTF_8), AtomicFiles.OWNER_ONLY);
        AtomicFiles.DirectorySync real = AtomicFiles.directorySync;
        AtomicFiles.directorySync = d -> {
            throw new IOException("Input/output error");
        };
        Map<Path, IOException> failed;
        try {
            Map<Path, byte[]> changes = new LinkedHashMap<>();
            changes.put(a, "new a".getBytes(StandardCharsets.UTF_8));
            changes.put(b, "new b".getBytes(StandardCharsets.UTF_8));
            failed = AtomicFiles.writeAll(dir, changes, AtomicFiles.OWNER_ONLY);
        } finally {
            AtomicFiles.directorySync = real;
        }
        assertThat(failed).containsOnlyKeys(a, b);
        assertThat(failed.get(a)).hasMessageContaining("may not survive a crash");
        assertThat(Files.readString(a)).isIn("old a", "new a");
    }
}
