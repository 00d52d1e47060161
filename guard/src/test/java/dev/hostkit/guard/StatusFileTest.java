package dev.hostkit.guard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guardian's status file: its JSON both ways, tolerant of what a newer guardian adds, and the lock it trusts. */
class StatusFileTest {
    @TempDir
    Path dir;

    private static final GuardianStatus TWO_MISSING = new GuardianStatus(
            4242,
            7,
            List.of(
                    new GuardianStatus.Missing("eth1", 4026532001L, 311, "eth0.3", true),
                    new GuardianStatus.Missing("net1", 4026532002L, 0, "bond4.3", false)));

    @Test
    void aStatusReadsBackAsWritten() throws IOException {
        byte[] bytes = StatusFile.encode(TWO_MISSING);

        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .startsWith("{\"version\":1,\"pid\":4242,\"guarded\":7,\"missing\":[{\"interface\":\"eth1\"")
                .endsWith("}]}\n");
        assertThat(StatusFile.decode(bytes, dir.resolve("status.json"))).isEqualTo(TWO_MISSING);
    }

    @Test
    void fieldsANewerGuardianAddsAreSkipped() throws IOException {
        String text =
                "{\"version\":1,\"since\":{\"a\":[1,2]},\"pid\":1,\"guarded\":1,\"missing\":[{\"interface\":\"e\","
                        + "\"namespaceInode\":5,\"parent\":\"p\",\"waitsForParent\":true,\"mac\":\"02:00:00:00:00:01\"}]}";

        assertThat(StatusFile.decode(text.getBytes(StandardCharsets.UTF_8), dir))
                .isEqualTo(new GuardianStatus(1, 1, List.of(new GuardianStatus.Missing("e", 5, 0, "p", true))));
    }

    @Test
    void aBadFileIsOneLineNamingTheFileAndWhy() {
        Path f = dir.resolve("status.json");
        assertThatThrownBy(() -> StatusFile.decode("{\"version\":1".getBytes(StandardCharsets.UTF_8), f))
                .hasMessageStartingWith("guardian status " + f + ": not valid JSON");
        assertThatThrownBy(() -> StatusFile.decode(
                        "{\"version\":2,\"pid\":1,\"guarded\":0,\"missing\":[]}".getBytes(StandardCharsets.UTF_8), f))
                .hasMessage("guardian status " + f + ": field \"version\": unsupported 2");
        assertThatThrownBy(() -> StatusFile.decode(
                        "{\"version\":1,\"pid\":1,\"missing\":[]}".getBytes(StandardCharsets.UTF_8), f))
                .hasMessageContaining("\"guarded\"");
        assertThatThrownBy(() -> StatusFile.decode(
                        "{\"version\":1,\"pid\":\"1\",\"guarded\":0,\"missing\":[]}".getBytes(StandardCharsets.UTF_8),
                        f))
                .hasMessage("guardian status " + f + ": field \"pid\" must be a whole number");
        assertThatThrownBy(() -> StatusFile.decode(
                        "{\"version\":1,\"pid\":1,\"guarded\":0,\"missing\":[{}]}".getBytes(StandardCharsets.UTF_8), f))
                .hasMessageContaining("a missing interface needs");
        assertThatThrownBy(() -> StatusFile.decode("[]".getBytes(StandardCharsets.UTF_8), f))
                .hasMessage("guardian status " + f + ": the document is not a JSON object");
    }

    @Test
    void onlyAnFlockOnTheLockFilesDeviceAndInodeCountsAsHeld() throws IOException {
        Path lock = Files.createFile(dir.resolve(StateDirectory.LOCK_FILE));
        long dev = (Long) Files.getAttribute(lock, "unix:dev");
        long ino = (Long) Files.getAttribute(lock, "unix:ino");
        String mine = String.format("%02x:%02x:%d", StatusFile.major(dev), StatusFile.minor(dev), ino);
        Path locks = dir.resolve("locks");

        Files.writeString(
                locks,
                "1: POSIX  ADVISORY  WRITE 10 " + mine + " 0 EOF\n"
                        + "2: FLOCK  ADVISORY  WRITE 11 " + mine + "1 0 EOF\n"
                        + "2: -> FLOCK  ADVISORY  WRITE 12 " + mine + " 0 EOF\n");
        assertThat(StatusFile.lockHeld(lock, locks))
                .as("an fcntl lock, another inode, a waiter")
                .isFalse();

        Files.writeString(locks, "3: FLOCK  ADVISORY  WRITE 0 " + mine + " 0 EOF\n");
        assertThat(StatusFile.lockHeld(lock, locks))
                .as("held, by a pid this reader cannot see")
                .isTrue();

        assertThat(StatusFile.lockHeld(dir.resolve("no-such-lock"), locks)).isFalse();
    }

    @Test
    void devicesDecodeAsGlibcEncodesThem() {
        assertThat(StatusFile.major(0xfe00L)).isEqualTo(0xfe);
        assertThat(StatusFile.minor(0xfe00L)).isZero();
        // makedev(259, 1048575): major bits above 12 and minor bits above 8 go to the high words.
        long dev = ((259L & 0xfffff000L) << 32)
                | ((259L & 0xfffL) << 8)
                | ((1048575L & 0xffffff00L) << 12)
                | (1048575L & 0xffL);
        assertThat(StatusFile.major(dev)).isEqualTo(259);
        assertThat(StatusFile.minor(dev)).isEqualTo(1048575);
    }
}
