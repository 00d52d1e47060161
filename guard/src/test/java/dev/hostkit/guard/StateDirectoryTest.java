package dev.hostkit.guard;

import dev.hostkit.core.internal.LibC;
import dev.hostkit.testkit.TestJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;

class StateDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingDirectoryIsCreatedPrivate() throws Exception {
        Path dir = tmp.resolve("a/b/state");
        try (SnapshotStore store = new SnapshotStore(dir)) {
            assertThat(store.dir()).isEqualTo(dir);
            assertThat(mode(dir)).isEqualTo(0700);
        }
    }

    @Test
    void anExistingPrivateEnoughDirectoryIsUsedAsItIsNotChmodded() throws Exception {
        Path dir = mkdir("readable", 0755);
        try (SnapshotStore store = new SnapshotStore(dir)) {
            assertThat(mode(dir)).isEqualTo(0755);
        }
    }

    @Test
    void anEmptyPathIsRefusedAndTheWorkingDirectoryKeepsItsMode() throws Exception {
        Path cwd = Path.of(".").toAbsolutePath().normalize();
        int before = mode(cwd);
        refused(Path.of(""), "state directory is an empty path");
        assertThat(mode(cwd)).isEqualTo(before);
        assertThat(cwd.resolve(StateDirectory.LOCK_FILE)).doesNotExist();
    }

    @Test
    void aWorldWritableStickyDirectoryIsRefusedUnchanged() throws Exception {
        Path dir = mkdir("sticky", 01777);
        refused(dir, "state directory " + dir + " has mode 1777, writable by others; refusing it");
        assertThat(mode(dir)).isEqualTo(01777);
        assertThat(dir.resolve(StateDirectory.LOCK_FILE)).doesNotExist();
    }

    @Test
    void aGroupWritableDirectoryIsRefusedUnchanged() throws Exception {
        Path dir = mkdir("group", 0770);
        refused(dir, "has mode 0770, writable by its group");
        assertThat(mode(dir)).isEqualTo(0770);
    }

    @Test
    void aDirectoryOwnedByAnotherUidIsRefusedUnchanged() throws Exception {
        assumeThat(LibC.geteuid()).as("chown needs root").isZero();
        Path dir = mkdir("nobody", 0700);
        Files.setAttribute(dir, "unix:uid", 65534);
        refused(dir, "state directory " + dir + " is owned by uid 65534, not by this guardian's uid 0");
        assertThat(mode(dir)).isEqualTo(0700);
        assertThat((Integer) Files.getAttribute(dir, "unix:uid")).isEqualTo(65534);
        assertThat(dir.resolve(StateDirectory.LOCK_FILE)).doesNotExist();
    }

    @Test
    void aFileInsteadOfADirectoryIsRefusedUnchanged() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "mine");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        refused(file, "state directory " + file + " is not a directory");
        assertThat(Files.readString(file)).isEqualTo("mine");
        assertThat(mode(file)).isEqualTo(0644);
    }

    @Test
    void aSymbolicLinkIsRefusedAndItsTargetUnchanged() throws Exception {
        Path target = mkdir("target", 0755);
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        refused(link, "state directory " + link + " is a symbolic link");
        assertThat(mode(target)).isEqualTo(0755);
        assertThat(target.resolve(StateDirectory.LOCK_FILE)).doesNotExist();
        assertThat(catchThrowable(() -> MacvlanGuardian.readState(link))).isInstanceOf(StateDirectoryException.class);
    }

    @Test
    void aSymbolicLinkPlantedAsTheLockFileIsNotFollowed() throws Exception {
        Path dir = mkdir("planted", 0700);
        Path victim = Files.writeString(tmp.resolve("victim"), "keep");
        Files.createSymbolicLink(dir.resolve(StateDirectory.LOCK_FILE), victim);
        assertThat(catchThrowable(() -> new SnapshotStore(dir)))
                .hasMessageContaining("lock file " + dir.resolve(StateDirectory.LOCK_FILE));
        assertThat(Files.readString(victim)).isEqualTo("keep");
    }

    @Test
    void aSecondGuardianInTheSameProcessFailsNamingTheLockUntilTheFirstCloses() throws Exception {
        Path dir = tmp.resolve("state");
        Path lock = dir.resolve(StateDirectory.LOCK_FILE);
        try (SnapshotStore first = new SnapshotStore(dir)) {
            refused(
                    dir,
                    "state directory " + dir + " is in use by another guardian (pid "
                            + ProcessHandle.current().pid() + "): it holds the lock " + lock);
            // The doctor's read beside a live guardian takes no lock and is not refused.
            assertThat(MacvlanGuardian.readState(dir).problems()).isEmpty();
        }
        try (SnapshotStore again = new SnapshotStore(dir)) {
            assertThat(again.dir()).isEqualTo(dir);
        }
    }

    @Test
    void aGuardianInAnotherProcessHoldsTheLockAgainstThisOne() throws Exception {
        Path dir = tmp.resolve("state");
        Process holder = new ProcessBuilder(TestJvm.command(List.of(), LockHolder.class, dir.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            refused(
                    dir,
                    "is in use by another guardian (pid " + holder.pid() + "): it holds the lock "
                            + dir.resolve(StateDirectory.LOCK_FILE));
        } finally {
            holder.getOutputStream().close();
            if (!holder.waitFor(20, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
        // Released with its process.
        new SnapshotStore(dir).close();
    }

    private static void refused(Path dir, String message) {
        Throwable t = catchThrowable(() -> new SnapshotStore(dir).close());
        assertThat(t).isInstanceOf(StateDirectoryException.class).hasMessageContaining(message);
        assertThat(t.getMessage()).doesNotContain("\n");
    }

    private Path mkdir(String name, int mode) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        // chmod(1), not setPosixFilePermissions: the sticky bit is part of what is tested.
        Process p = new ProcessBuilder(List.of("chmod", Integer.toOctalString(mode), dir.toString()))
                .inheritIO()
                .start();
        assertThat(p.waitFor()).isZero();
        return dir;
    }

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
