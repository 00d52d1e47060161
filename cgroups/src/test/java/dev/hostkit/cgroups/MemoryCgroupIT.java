package dev.hostkit.cgroups;

import dev.hostkit.cgroups.internal.KernelFiles;
import dev.hostkit.core.Errno;
import dev.hostkit.core.ProcFs;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The readers and the census on this host's real v1 memory hierarchy, under a throwaway hk parent cgroup. */
@HostTest
class MemoryCgroupIT {

    private static long kernelLong(Path dir, String file) throws Exception {
        return Long.parseLong(ProcFs.readKernelFile(dir.resolve(file)).strip());
    }

    @Test
    void readsUsageOfACgroupWithAProcessAndPageCacheAsTheKernelFilesSay() throws Exception {
        try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
            Path child = t.child("app");
            Path data = t.file("pc");
            Process p =
                    t.startIn(child, "dd if=/dev/zero of=" + data + " bs=1M count=16 status=none && exec sleep 600");
            CgroupFs fs = CgroupFs.system();
            MemoryCgroup cg = fs.memoryCgroup(TestMemoryCgroups.pathOf(child));
            // dd done and the shell exec'd into sleep: one task, 16 MiB of page cache (dd may still be exiting after
            // its last write).
            waitFor(() -> cg.read().orElseThrow().stat().getOrDefault("cache", 0L) >= 16L << 20
                    && cg.read().orElseThrow().tasks().orElse(0) == 1);

            MemoryStatsV1 s = null;
            boolean equal = false;
            // The process sleeps, so the charge is still; read until two kernel reads bracket ours exactly.
            for (int i = 0; i < 20 && !equal; i++) {
                long before = kernelLong(child, "memory.usage_in_bytes");
                s = (MemoryStatsV1) cg.read().orElseThrow();
                long after = kernelLong(child, "memory.usage_in_bytes");
                equal = before == after
                        && s.usage().getAsLong() == before
                        && s.kmemUsage().getAsLong() == kernelLong(child, "memory.kmem.usage_in_bytes");
            }
            assertThat(equal)
                    .as("usage and kmem usage equal the kernel's files")
                    .isTrue();
            assertThat(s.usage().getAsLong()).isGreaterThanOrEqualTo(16L << 20);
            assertThat(s.stat().get("cache")).isGreaterThanOrEqualTo(16L << 20);
            assertThat(s.stat()).containsKeys("total_cache", "total_rss", "hierarchical_memory_limit");
            assertThat(s.limit().getAsLong()).isEqualTo(kernelLong(child, "memory.limit_in_bytes"));
            assertThat(s.failcnt()).hasValue(kernelLong(child, "memory.failcnt"));
            assertThat(s.kmemUsage().getAsLong()).isPositive();
            assertThat(s.tasks()).hasValue(1);
            assertThat(s.useHierarchy()).isTrue();
            assertThat(s.oomControl().underOom()).isFalse();
            assertThat(fs.memoryCgroupOf((int) p.pid()))
                    .hasValueSatisfying(c -> assertThat(c.path()).isEqualTo(cg.path()));
            assertThat(KmemVerdict.ofCgroup(fs, s).active()).isTrue();

            MemoryCensus census = MemoryCensus.full(fs);
            assertThat(census.cgroup(cg.path())).isPresent();
            assertThat(census.cgroup(TestMemoryCgroups.pathOf(t.parent()))).isPresent();
        }
    }

    @Test
    void removedCgroupsWithPageCacheChargedRaiseTheDyingCountExactlyAsProcCgroupsSays() throws Exception {
        CgroupFs fs = CgroupFs.system();
        int n = 6;
        try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
            String failure = null;
            // Other cgroup activity on the host between the two censuses would blur the delta; then try again.
            for (int round = 0; round < 3; round++) {
                List<Path> children = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Path c = t.child("r" + round + "c" + i);
                    t.runIn(c, "dd if=/dev/zero of=" + t.file("dy") + " bs=64k count=16 status=none");
                    children.add(c);
                }
                MemoryCensus before = MemoryCensus.counts(fs);
                for (Path c : children) {
                    t.rmdir(c); // no tasks left, page cache still charged: the memcg goes offline but is not freed
                }
                MemoryCensus after = MemoryCensus.counts(fs);
                long procAfter = procCgroupsMemory();

                assertThat(after.procCgroupsCount().getAsLong()).isEqualTo(after.live() + after.dying());
                boolean quiet = after.live() == before.live() - n
                        && after.procCgroupsCount().equals(before.procCgroupsCount())
                        && procAfter == after.procCgroupsCount().getAsLong();
                if (quiet) {
                    assertThat(after.dying()).isEqualTo(before.dying() + n);
                    assertThat(after.dying()).isEqualTo(procAfter - after.live());
                    return;
                }
                failure = "host cgroup activity during round " + round + ": before " + before + ", after " + after;
            }
            throw new AssertionError(failure);
        }
    }

    @Test
    void aKernelFileThatRefusesReadsIsATypedErrorWithTheKernelsErrnoNamingTheFile() throws Exception {
        try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
            // memory.force_empty is write-only (mode 0200): root may open it, but the read fails with EINVAL.
            assertThatThrownBy(() -> KernelFiles.read(t.parent(), "memory.force_empty"))
                    .isInstanceOfSatisfying(
                            CgroupException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining(
                            t.parent().resolve("memory.force_empty").toString());
        }
    }

    @Test
    void cgroupsRemovedWhileTheCensusReadsThemAreSkippedNotErrors() throws Exception {
        CgroupFs fs = CgroupFs.system();
        try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
            List<Path> victims = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                victims.add(t.child("v" + i));
            }
            List<MemoryCensus> censuses = new ArrayList<>();
            Thread remover = new Thread(
                    () -> {
                        for (Path v : victims) {
                            try {
                                t.rmdir(v);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    },
                    "hk-test-remover");
            remover.start();
            while (remover.isAlive()) {
                censuses.add(MemoryCensus.full(fs, MemoryCensus.Options.DEFAULT.withThreads(1)));
            }
            remover.join();
            censuses.add(MemoryCensus.full(fs));
            String ours = TestMemoryCgroups.pathOf(t.parent());
            for (MemoryCensus c : censuses) {
                assertThat(c.problems()).noneMatch(p -> p.contains(ours));
            }
            assertThat(censuses.get(censuses.size() - 1).cgroups())
                    .extracting(MemoryStats::path)
                    .contains(ours)
                    .noneMatch(p -> p.startsWith(ours + "/"));
        }
    }

    @Test
    void discoversThisHostsHybridLayout() {
        CgroupFs fs = CgroupFs.system();
        assertThat(fs.memoryV1Mount()).hasValue(TestMemoryCgroups.MEMORY);
        if (Files.isDirectory(Path.of("/sys/fs/cgroup/unified"))) {
            assertThat(fs.layout()).isEqualTo(CgroupLayout.HYBRID);
            assertThat(fs.unifiedMount()).hasValue(Path.of("/sys/fs/cgroup/unified"));
        }
        assertThat(fs.memoryIsV2()).isFalse();
    }

    @Test
    void hostKmemVerdictAndCensusAgreeWithTheRunningKernel() throws Exception {
        CgroupFs fs = CgroupFs.system();
        // The host's tree changes under us (containers, other tests, systemd): compare only while it holds still.
        MemoryCensus census;
        long dirs;
        int attempt = 0;
        do {
            long before = countDirs(fs.memoryRoot());
            census = MemoryCensus.full(fs);
            dirs = countDirs(fs.memoryRoot());
            if (before == dirs && census.live() == dirs) {
                break;
            }
            Thread.sleep(100);
        } while (++attempt < 50);
        assertThat(census.live()).isEqualTo(dirs);
        assertThat(census.cgroups()).isNotEmpty();
        KmemVerdict v = KmemVerdict.ofHost(fs, census);
        boolean nokmem = Set.of(ProcFs.system().cmdline().split("\\s+")).contains("cgroup.memory=nokmem");
        assertThat(v.active()).isEqualTo(!nokmem);
        assertThat(v.exposed()).isEqualTo(!fs.kernel().atLeast(4, 7));
    }

    @Test
    void containerUsageEqualsTheKernelFileAndAgreesWithDockerStats(DockerEngine docker) throws Exception {
        String id = docker.run(
                TestNames.next("cgc"), "sh", "-c", "head -c 25165824 /dev/zero > /tmp/fill && exec sleep 600");
        try {
            CgroupFs fs = CgroupFs.system();
            MemoryCgroup cg = fs.memoryCgroupOf(docker.pid(id)).orElseThrow();
            assertThat(CgroupOwner.parse(cg.path()))
                    .hasValueSatisfying(o -> assertThat(id).startsWith(o.containerId()));
            waitFor(() -> cg.read().orElseThrow().stat().getOrDefault("total_cache", 0L) >= 24L << 20);

            String failure = null;
            for (int i = 0; i < 10; i++) {
                long kernel = kernelLong(cg.dir(), "memory.usage_in_bytes");
                MemoryStatsV1 s = (MemoryStatsV1) cg.read().orElseThrow();
                String stats = docker.docker("stats", "--no-stream", "--format", "{{.MemUsage}}", id);
                long kernelAfter = kernelLong(cg.dir(), "memory.usage_in_bytes");
                if (kernel != kernelAfter || s.usage().getAsLong() != kernel) {
                    failure = "usage moved while reading: " + kernel + " / " + s.usage() + " / " + kernelAfter;
                    continue;
                }
                // docker 20.10 shows usage minus total_inactive_file (cgroup v1), as %.4g in binary units.
                long ours = s.usage().getAsLong() - s.stat().getOrDefault("total_inactive_file", 0L);
                double shown = parseDockerSize(stats.split("/")[0].strip());
                double tolerance = Math.max(shown * 0.0005, 1) + 64 * 1024; // 4 significant digits, one page of drift
                if (Math.abs(ours - shown) <= tolerance) {
                    return;
                }
                failure = "hostkit " + ours + " bytes vs docker stats '" + stats + "' (" + (long) shown + ")";
            }
            throw new AssertionError(failure);
        } finally {
            docker.remove(id);
        }
    }

    private static double parseDockerSize(String s) {
        Matcher m = Pattern.compile("([0-9.]+)\\s*([KMGT]?i?B)").matcher(s);
        if (!m.matches()) {
            throw new AssertionError("unexpected docker size '" + s + "'");
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "B" -> v;
            case "KiB" -> v * 1024;
            case "MiB" -> v * 1024 * 1024;
            case "GiB" -> v * 1024 * 1024 * 1024;
            default -> throw new AssertionError("unexpected unit in '" + s + "'");
        };
    }

    private static long countDirs(Path root) throws Exception {
        for (int attempt = 0; ; attempt++) {
            long a;
            try (var s = Files.walk(root)) {
                a = s.filter(Files::isDirectory).count();
            } catch (java.io.UncheckedIOException e) {
                continue;
            }
            return a;
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition c) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (c.holds()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not met in 10 s");
    }

    private static long procCgroupsMemory() throws Exception {
        for (String line : ProcFs.readKernelFile(Path.of("/proc/cgroups")).split("\n")) {
            if (line.startsWith("memory")) {
                return Long.parseLong(line.split("\\s+")[2]);
            }
        }
        throw new AssertionError("no memory row in /proc/cgroups");
    }
}
