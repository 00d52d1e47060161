package dev.hostkit.cli;

import dev.hostkit.guard.GuardianState;
import dev.hostkit.guard.MacvlanGuardian;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guardian state deploy/install-hostkit.sh trains the CDS archive with (deploy/cds-training): the guardian's own
 * reader accepts it, so the MacvlanLost training run reads a state file as a node's plugin does.
 */
class CdsTrainingStateTest {
    private static final Path DIR = Path.of("..", "deploy", "cds-training");

    @TempDir
    Path dir;

    @Test
    void theGuardianReadsTheTrainingStateAsOneSnapshotWithoutProblems() throws IOException {
        Path state = Files.createDirectory(
                dir.resolve("state"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(DIR, "netns-*.json")) {
            for (Path f : files) {
                Files.copy(f, state.resolve(f.getFileName().toString()));
            }
        }

        GuardianState read = MacvlanGuardian.readState(state);

        assertThat(read.problems()).isEmpty();
        assertThat(read.snapshots())
                .singleElement()
                .satisfies(s -> assertThat(s.name()).isEqualTo("hkcds0"));
    }
}
