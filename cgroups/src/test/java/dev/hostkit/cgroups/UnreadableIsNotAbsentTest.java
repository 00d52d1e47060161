package dev.hostkit.cgroups;

import dev.hostkit.core.Errno;
import dev.hostkit.testkit.cgroups.CgroupFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Readers that cannot read say so: a file that exists but cannot be read (here a directory in its place: EISDIR, which
 * root gets too; {@link PermissionDeniedIT} shows EACCES as an unprivileged reader) is an error or an "unknown"
 * verdict, never the same as a file that is absent; garbage in a fixture is refused.
 */
class UnreadableIsNotAbsentTest {
    @TempDir
    Path dir;

    private Path replaceWithDirectory(Path root, String relative) throws Exception {
        Path p = root.resolve(relative);
        Files.deleteIfExists(p);
        return Files.createDirectories(p);
    }

    @Test
    void unreadableCmdlineMakesTheKmemVerdictUnknownInsteadOfAGuess() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0").build(dir);
        Path cmdline = replaceWithDirectory(root, "proc/cmdline");
        KmemVerdict v = KmemVerdict.ofHost(CgroupFs.at(root), null);
        assertThat(v.known()).isFalse();
        assertThat(v.active()).isFalse();
        assertThat(v.reason())
                .isEqualTo("unknown: cannot read " + cmdline + " (EISDIR), so whether the kernel was booted with "
                        + "cgroup.memory=nokmem is not known");
        assertThat(v.evidence()).contains("cannot read " + cmdline + " (EISDIR)");
    }

    @Test
    void absentCmdlineIsAnEmptyCommandLine() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0").build(dir);
        Files.delete(root.resolve("proc/cmdline"));
        KmemVerdict v = KmemVerdict.ofHost(CgroupFs.at(root), null);
        assertThat(v.known()).isTrue();
        assertThat(v.active()).isTrue();
    }

    @Test
    void unreadableCmdlineMakesACgroupVerdictUnknownToo() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0").cgroup("/a").build(dir);
        replaceWithDirectory(root, "proc/cmdline");
        CgroupFs fs = CgroupFs.at(root);
        KmemVerdict v = KmemVerdict.ofCgroup(fs, fs.memoryCgroup("/a").read().orElseThrow());
        assertThat(v.known()).isFalse();
        assertThat(v.reason()).startsWith("unknown: cannot read ");
    }

    @Test
    void anUnknownKernelIsNeverExposed() throws Exception {
        Path root = CgroupFixture.kernel("3.10.0-1160.el7.x86_64").dying(100).build(dir);
        Path osrelease = root.resolve("proc/sys/kernel/osrelease");
        Files.writeString(osrelease, "not a release\n");
        CgroupFs fs = CgroupFs.at(root);
        KmemVerdict host = KmemVerdict.ofHost(fs, MemoryCensus.full(fs));
        assertThat(host.exposed()).isFalse();
        assertThat(host.known()).isFalse();
        assertThat(host.exposure()).startsWith("unknown: cannot parse " + osrelease);
        KmemVerdict one = KmemVerdict.ofCgroup(fs, fs.memoryCgroup("/").read().orElseThrow());
        assertThat(one.exposed()).isFalse();
        assertThat(one.known()).isFalse();

        replaceWithDirectory(root, "proc/sys/kernel/osrelease");
        KmemVerdict unreadable = KmemVerdict.ofHost(CgroupFs.at(root), null);
        assertThat(unreadable.exposed()).isFalse();
        assertThat(unreadable.exposure()).startsWith("unknown: cannot read " + osrelease + " (EISDIR)");
    }

    @Test
    void mountPointClimbingOutOfTheRootIsRefused() {
        Path root = CgroupFixture.kernel("6.6.1").v2().build(dir);
        CgroupFixture.kernel("6.6.1")
                .v2()
                .hostFile(
                        "proc/self/mountinfo",
                        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                + "30 22 0:26 / /../../../../etc rw,nosuid - cgroup2 cgroup2 rw\n")
                .build(dir.resolve("evil"));
        Path evil = dir.resolve("evil");
        assertThatThrownBy(() -> CgroupFs.at(evil))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining(evil.resolve("proc/self/mountinfo").toString())
                .hasMessageContaining("mount point '/../../../../etc' is not a canonical absolute path");
        assertThat(CgroupFs.at(root).unifiedMount()).hasValue(root.resolve("sys/fs/cgroup"));
    }

    @Test
    void negativeNumCgroupsIsRefusedAsGarbage() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0")
                .hostFile("proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t5\t-3\t1\n")
                .build(dir);
        assertThatThrownBy(() -> CgroupFs.at(root).procCgroupsMemoryCount())
                .isInstanceOf(CgroupParseException.class)
                .hasMessageContaining("proc/cgroups")
                .hasMessageContaining("-3");
    }

    @Test
    void unreadableProcCgroupsIsAnErrorNotAMissingCount() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0").build(dir);
        replaceWithDirectory(root, "proc/cgroups");
        assertThatThrownBy(() -> CgroupFs.at(root).procCgroupsMemoryCount())
                .isInstanceOfSatisfying(
                        CgroupException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EISDIR))
                .hasMessageContaining("proc/cgroups");
        // A census does not throw for it: the problem is named and the live cgroups are still counted.
        MemoryCensus census = MemoryCensus.counts(CgroupFs.at(root));
        assertThat(census.problems())
                .anySatisfy(p -> assertThat(p)
                        .contains("proc/cgroups")
                        .contains("EISDIR")
                        .endsWith(": dying count unknown"));
        assertThat(census.live()).isPositive();
        Files.delete(root.resolve("proc/cgroups"));
        assertThat(CgroupFs.at(root).procCgroupsMemoryCount()).isEmpty();
    }

    @Test
    void unreadableControllersFileIsAnErrorNotNoMemoryHierarchy() throws Exception {
        Path root = CgroupFixture.kernel("6.6.1").v2().build(dir);
        replaceWithDirectory(root, "sys/fs/cgroup/cgroup.controllers");
        assertThatThrownBy(() -> CgroupFs.at(root))
                .isInstanceOfSatisfying(
                        CgroupException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EISDIR))
                .hasMessageContaining("cgroup.controllers");
    }

    @Test
    void unreadableProcPidCgroupIsAnErrorNotAGoneProcess() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0").build(dir);
        replaceWithDirectory(root, "proc/4242/cgroup");
        CgroupFs fs = CgroupFs.at(root);
        assertThatThrownBy(() -> fs.memoryCgroupOf(4242))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("4242/cgroup");
        assertThat(fs.memoryCgroupOf(4243)).isEmpty();
    }
}
