package dev.hostkit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

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
}
