package dev.hostkit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

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
}
