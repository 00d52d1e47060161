package dev.hostkit.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Absent and unreadable are different answers. */
class ProcFsTest {
    @TempDir
    Path root;

    @Test
    void absentCmdlineIsEmptyAndUnreadableIsAnErrorNamingTheFile() throws Exception {
        ProcFs proc = ProcFs.at(root);
        Files.createDirectories(root.resolve("proc"));
        assertThat(proc.cmdline()).isEmpty();
        Files.createDirectory(root.resolve("proc/cmdline")); // exists, cannot be read (EISDIR)
        assertThatThrownBy(proc::cmdline)
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(root.resolve("proc/cmdline").toString());
        Files.delete(root.resolve("proc/cmdline"));
        Files.writeString(root.resolve("proc/cmdline"), "ro quiet cgroup.memory=nokmem\n");
        assertThat(proc.cmdline()).isEqualTo("ro quiet cgroup.memory=nokmem");
    }

    @Test
    void readLongTellsAbsentFromUnreadable() throws Exception {
        ProcFs proc = ProcFs.at(root);
        Files.createDirectories(root.resolve("proc/sys/fs"));
        assertThat(proc.readLong("sys/fs/file-nr")).isEmpty();
        Files.createDirectory(root.resolve("proc/sys/fs/file-nr"));
        assertThatThrownBy(() -> proc.readLong("sys/fs/file-nr")).isInstanceOf(UncheckedIOException.class);
        Files.delete(root.resolve("proc/sys/fs/file-nr"));
        Files.writeString(root.resolve("proc/sys/fs/file-nr"), "1024\t0\t9223372036854775807\n");
        assertThat(proc.readLong("sys/fs/file-nr")).hasValue(1024);
    }
}
