package dev.hostkit.cgroups;

import dev.hostkit.core.Errno;
import dev.hostkit.testkit.cgroups.CgroupFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Roots that are not cgroup hosts, garbage in files, unreadable files and vanished cgroups. */
class BadInputTest {
    @TempDir
    Path dir;

    @Test
    void rootWithoutCgroupMountsIsATypedErrorNamingMountinfo() {
        Path root = CgroupFixture.kernel("6.1.0").noCgroupMounts().build(dir);
        assertThatThrownBy(() -> CgroupFs.at(root))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("proc/self/mountinfo")
                .hasMessageContaining("no cgroup or cgroup2 mount");
    }

    @Test
    void rootWithoutProcIsATypedErrorNamingMountinfo() {
        assertThatThrownBy(() -> CgroupFs.at(dir))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining(dir.resolve("proc/self/mountinfo").toString())
                .hasMessageContaining("ENOENT");
    }

    @Test
    void v2WithoutMemoryControllerSaysSo() throws Exception {
        Path root = CgroupFixture.kernel("6.6.1").v2().build(dir);
        Files.writeString(root.resolve("sys/fs/cgroup/cgroup.controllers"), "cpu io pids\n");
        CgroupFs fs = CgroupFs.at(root);
        assertThatThrownBy(fs::memoryRoot)
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("no memory controller");
    }

    @Test
    void garbageInAFileIsAParseErrorNamingFileAndValue() {
        Path root = CgroupFixture.kernel("5.10.0")
                .cgroup("/bad", m -> m.file("memory.usage_in_bytes", "12x4\n"))
                .build(dir);
        MemoryCgroup cg = CgroupFs.at(root).memoryCgroup("/bad");
        assertThatThrownBy(cg::read)
                .isInstanceOfSatisfying(CgroupParseException.class, e -> {
                    assertThat(e.value()).isEqualTo("12x4");
                    assertThat(e.file()).isEqualTo(cg.dir().resolve("memory.usage_in_bytes"));
                })
                .hasMessageContaining("memory.usage_in_bytes")
                .hasMessageContaining("'12x4'");
    }

    @Test
    void garbledMemoryStatLineIsAParseError() {
        Path root = CgroupFixture.kernel("5.10.0")
                .cgroup("/bad", m -> m.file("memory.stat", "cache 1\nnonsense\n"))
                .build(dir);
        assertThatThrownBy(() -> CgroupFs.at(root).memoryCgroup("/bad").read())
                .isInstanceOf(CgroupParseException.class)
                .hasMessageContaining("memory.stat")
                .hasMessageContaining("'nonsense'");
    }

    @Test
    void censusRecordsGarbageAsAProblemAndCountsOn() {
        Path root = CgroupFixture.kernel("5.10.0")
                .cgroup("/bad", m -> m.file("memory.kmem.usage_in_bytes", "lots\n"))
                .cgroup("/good", m -> m.kmem(4096))
                .build(dir);
        MemoryCensus census = MemoryCensus.full(CgroupFs.at(root));
        assertThat(census.live()).isEqualTo(3);
        assertThat(census.cgroups()).extracting(MemoryStats::path).containsExactly("/", "/good");
        assertThat(census.problems())
                .singleElement()
                .asString()
                .contains("bad/memory.kmem.usage_in_bytes")
                .contains("'lots'");
    }

    @Test
    void aFileInADirectoryPlaceIsATypedErrorWithErrno() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0")
                .cgroup("/odd", m -> m.without("memory.failcnt"))
                .build(dir);
        Files.createDirectory(root.resolve("sys/fs/cgroup/memory/odd/memory.failcnt"));
        assertThatThrownBy(() -> CgroupFs.at(root).memoryCgroup("/odd").read())
                .isInstanceOfSatisfying(
                        CgroupException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EISDIR))
                .hasMessageContaining("odd/memory.failcnt");
    }

    @Test
    void permissionDeniedIsATypedErrorNamingTheFile() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0").cgroup("/locked").build(dir);
        Path file = root.resolve("sys/fs/cgroup/memory/locked/memory.stat");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        assumeTrue(
                !Files.isReadable(file),
                "root reads mode-000 files; CgroupFsIT checks EACCES on a write-only kernel file");
        assertThatThrownBy(() -> CgroupFs.at(root).memoryCgroup("/locked").read())
                .isInstanceOfSatisfying(
                        CgroupException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES))
                .hasMessageContaining("locked/memory.stat");
    }

    @Test
    void missingFilesAreAbsentValues() {
        Path root = CgroupFixture.kernel("5.10.0")
                .cgroup(
                        "/sparse",
                        m -> m.without("memory.oom_control")
                                .without("memory.use_hierarchy")
                                .without("memory.stat")
                                .without("tasks")
                                .without("memory.kmem.usage_in_bytes"))
                .build(dir);
        MemoryStatsV1 s =
                (MemoryStatsV1) CgroupFs.at(root).memoryCgroup("/sparse").read().orElseThrow();
        assertThat(s.oomControl()).isNull();
        assertThat(s.useHierarchy()).isNull();
        assertThat(s.stat()).isEmpty();
        assertThat(s.tasks()).isEmpty();
        assertThat(s.kmemUsage()).isEmpty();
        assertThat(s.usage()).isPresent();
    }

    @Test
    void aCgroupThatIsGoneReadsAsEmpty() {
        Path root = CgroupFixture.kernel("5.10.0").build(dir);
        assertThat(CgroupFs.at(root).memoryCgroup("/never/was").read()).isEmpty();
        assertThat(CgroupFs.at(root).memoryCgroup("/never/was").usage()).isEmpty();
    }

    @Test
    void procCgroupsWithGarbageIsAParseError() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0").build(dir);
        Files.writeString(
                root.resolve("proc/cgroups"), "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t5\tmany\t1\n");
        assertThatThrownBy(() -> CgroupFs.at(root).procCgroupsMemoryCount())
                .isInstanceOf(CgroupParseException.class)
                .hasMessageContaining("proc/cgroups")
                .hasMessageContaining("many");
    }

    @Test
    void thresholdsOutOfOrderAreRejected() {
        assertThatThrownBy(() -> new MemoryCensus.Thresholds(100, 200, 1, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void callerThresholdsDecideTheRisk() {
        Path root = CgroupFixture.kernel("3.10.0-1160.el7.x86_64").dying(100).build(dir);
        CgroupFs fs = CgroupFs.at(root);
        assertThat(MemoryCensus.counts(fs).risk()).isEqualTo(MemoryCensus.Risk.OK);
        assertThat(MemoryCensus.counts(fs, new MemoryCensus.Thresholds(65_500, 1000, 50, 1000))
                        .risk())
                .isEqualTo(MemoryCensus.Risk.WARN);
    }
}
