package dev.hostkit.core;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MountInfoTest {
    @Test
    void parsesCgroupMountsWithOptionalFields() {
        MountInfo m = MountInfo.parse(
                "35 25 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory");
        assertThat(m.mountPoint()).isEqualTo("/sys/fs/cgroup/memory");
        assertThat(m.fsType()).isEqualTo("cgroup");
        assertThat(m.optionalFields()).containsExactly("shared:15");
        assertThat(m.hasSuperOption("memory")).isTrue();
        assertThat(m.hasSuperOption("mem")).isFalse();
    }

    @Test
    void decodesOctalEscapes() {
        MountInfo m = MountInfo.parse("36 25 0:31 / /mnt/with\\040space rw - tmpfs tmpfs rw");
        assertThat(m.mountPoint()).isEqualTo("/mnt/with space");
        assertThat(m.optionalFields()).isEmpty();
    }

    @Test
    void rejectsTruncatedLines() {
        assertThatThrownBy(() -> MountInfo.parse("35 25 0:30 / /x rw")).hasMessageContaining("malformed mountinfo");
    }

    @Test
    void readsFromAFixtureRoot(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("proc/self"));
        Files.writeString(
                root.resolve("proc/self/mountinfo"), "30 1 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), "3.10.0-1160.el7.x86_64\n");
        ProcFs fs = ProcFs.at(root);
        assertThat(fs.mountInfo()).singleElement().extracting(MountInfo::fsType).isEqualTo("cgroup2");
        assertThat(fs.kernelVersion().minor()).isEqualTo(10);
    }

    @Test
    void countsOwnFds() throws Exception {
        int before = ProcFs.openFdCount();
        try (var in = Files.newInputStream(Path.of("/proc/self/status"))) {
            assertThat(ProcFs.openFdCount()).isEqualTo(before + 1);
        }
        assertThat(ProcFs.openFdCount()).isEqualTo(before);
    }

    @Test
    void readsSysctlFilesWhole() {
        // /proc/sys/fs/file-nr holds three numbers; a one-byte first read would yield only the first digit.
        long allocated = ProcFs.system().readLong("sys/fs/file-nr").orElseThrow();
        assertThat(allocated).isGreaterThan(9);
    }
}
