package dev.hostkit.cgroups;

import dev.hostkit.cgroups.ReclaimReport.Outcome;
import dev.hostkit.cgroups.ReclaimReport.StepResult;
import dev.hostkit.cgroups.ReclaimStep.Action;
import dev.hostkit.core.ProcFs;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reclaim on this host's real memory hierarchy (v1 at /sys/fs/cgroup/memory), under throwaway hk parent cgroups.
 * The host is shared: counts are compared only in rounds where nothing else created or removed memory cgroups.
 */
@HostTest
class ReclaimIT {
    private static final int CHARGED = 30;

    @Test
    void dropCachesFreesThirtyRemovedCgroupsPinnedByPageCacheAndTheReportAgreesWithProcCgroups() throws Exception {
        CgroupFs fs = CgroupFs.system();
        String failure = null;
        for (int round = 0; round < 3; round++) {
            try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
                List<Path> children = new ArrayList<>();
                for (int i = 0; i < CHARGED; i++) {
                    Path c = t.child("r" + round + "c" + i);
                    t.runIn(c, "dd if=/dev/zero of=" + t.file("rc") + " bs=1M count=4 status=none");
                    assertThat(Long.parseLong(ProcFs.readKernelFile(c.resolve("memory.usage_in_bytes"))
                                    .strip()))
                            .isGreaterThanOrEqualTo(4L << 20);
                    children.add(c);
                }
                MemoryCensus charged = MemoryCensus.counts(fs);
                for (Path c : children) {
                    t.rmdir(c); // no tasks, 4 MiB of page cache still charged: offline, not freed
                }
                MemoryCensus removed = MemoryCensus.counts(fs);
                boolean quietRemoval = removed.live() == charged.live() - CHARGED
                        && removed.procCgroupsCount().equals(charged.procCgroupsCount());
                if (!quietRemoval) {
                    failure =
                            "host cgroup activity while removing (round " + round + "): " + charged + " -> " + removed;
                    continue;
                }
                assertThat(removed.dying()).isEqualTo(charged.dying() + CHARGED);

                ReclaimPlan plan = Reclaim.plan(
                        fs, removed, null, null, Reclaim.Options.DEFAULT.withDropCaches(Reclaim.DropCaches.PAGE_CACHE));
                assertThat(plan.steps()).extracting(ReclaimStep::action).containsExactly(Action.DROP_CACHES);
                ReclaimReport report = Reclaim.execute(fs, plan);
                long procAfter = procCgroupsMemory();
                System.out.println("[reclaim] " + report.before() + " -> " + report.after() + ", " + report.steps()
                        + ", " + report.millis() + " ms");

                assertThat(report.steps()).singleElement().satisfies(r -> {
                    assertThat(r.outcome()).isEqualTo(Outcome.DONE);
                    assertThat(r.step().amount()).isEqualTo(1);
                });
                assertThat(report.before().dying()).isGreaterThanOrEqualTo(CHARGED);
                assertThat(report.after().procCgroupsCount().getAsLong())
                        .isEqualTo(report.after().live() + report.after().dying());
                assertThat(report.after().dying())
                        .as("the 30 are freed")
                        .isLessThanOrEqualTo(report.before().dying() - CHARGED);
                assertThat(report.before().pageCacheBytes().getAsLong()
                                - report.after().pageCacheBytes().getAsLong())
                        .as("their page cache is gone")
                        .isGreaterThanOrEqualTo((long) CHARGED * (4L << 20) / 2);
                boolean quietAfter =
                        procAfter == report.after().procCgroupsCount().getAsLong()
                                && report.before().procCgroupsCount().equals(removed.procCgroupsCount());
                if (quietAfter) {
                    assertThat(report.before().dying()).isEqualTo(removed.dying());
                    assertThat(report.after().dying())
                            .isEqualTo(procAfter - report.after().live());
                    return;
                }
                failure = "host cgroup activity around the reclaim (round " + round + "): report " + report.before()
                        + " -> " + report.after() + ", /proc/cgroups " + procAfter;
            }
        }
        throw new AssertionError(failure);
    }

    @Test
    void forceEmptyEmptiesATasklessOrphanSoThatRemovingItLeavesNoDyingCgroup() throws Exception {
        CgroupFs fs = CgroupFs.system();
        String failure = null;
        for (int round = 0; round < 3; round++) {
            try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
                // A Docker container's cgroup (systemd driver naming) whose container does not exist.
                byte[] random = new byte[32];
                new java.security.SecureRandom().nextBytes(random);
                String id = java.util.HexFormat.of().formatHex(random);
                Path orphan = t.child("docker-" + id + ".scope");
                t.runIn(orphan, "dd if=/dev/zero of=" + t.file("fe") + " bs=1M count=8 status=none");
                String parent = TestMemoryCgroups.pathOf(t.parent());

                MemoryCensus census = MemoryCensus.full(fs);
                List<OrphanCgroup> ours =
                        OrphanCgroup.find(census, null, Set.of(), Set.of(CgroupOwner.Runtime.DOCKER)).stream()
                                .filter(o -> o.path().startsWith(parent + "/"))
                                .toList();
                assertThat(ours)
                        .singleElement()
                        .satisfies(o -> assertThat(o.usage()).isGreaterThanOrEqualTo(8L << 20));
                ReclaimPlan plan = Reclaim.plan(fs, census, ours, Reclaim.Options.DEFAULT.withRemoveOrphans(true));
                assertThat(plan.steps())
                        .extracting(s -> s.action() + " " + s.target())
                        .containsExactly(
                                "FORCE_EMPTY " + ours.get(0).path(),
                                "REMOVE " + ours.get(0).path());

                ReclaimReport report = Reclaim.execute(fs, plan);
                t.forget(orphan);
                System.out.println("[reclaim] " + report.before() + " -> " + report.after() + ", " + report.steps()
                        + ", " + report.millis() + " ms");

                StepResult emptied = report.steps().get(0);
                assertThat(emptied.outcome()).isEqualTo(Outcome.DONE);
                assertThat(emptied.usageBefore().getAsLong()).isGreaterThanOrEqualTo(8L << 20);
                // What stays is kernel memory (a page or so) that the kernel reparents when the cgroup goes offline.
                assertThat(emptied.usageAfter().getAsLong())
                        .as(emptied.detail())
                        .isLessThan(64 << 10);
                assertThat(report.steps().get(1).outcome()).isEqualTo(Outcome.DONE);
                assertThat(Files.exists(orphan)).isFalse();

                boolean quiet = report.after().live() == report.before().live() - 1;
                if (quiet
                        && report.after().procCgroupsCount().getAsLong()
                                == report.before().procCgroupsCount().getAsLong() - 1) {
                    assertThat(report.after().dying())
                            .as("the emptied orphan is freed, not dying")
                            .isEqualTo(report.before().dying());
                    return;
                }
                failure = "host cgroup activity during the reclaim (round " + round + "): " + report.before() + " -> "
                        + report.after();
            }
        }
        throw new AssertionError(failure);
    }

    @Test
    void aCgroupWithTasksIsRefusedRightBeforeTheWriteAndKeepsItsMemory() throws Exception {
        CgroupFs fs = CgroupFs.system();
        try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
            Path busy = t.child("busy");
            Process p = t.startIn(
                    busy, "dd if=/dev/zero of=" + t.file("busy") + " bs=1M count=4 status=none && exec sleep 600");
            // Wait until dd is done (the shell has become sleep): then 4 MiB of page cache stay charged to busy.
            for (int i = 0; i < 200 && !(comm(p.pid()).equals("sleep") && cache(busy) >= 4L << 20); i++) {
                Thread.sleep(50);
            }
            assertThat(cache(busy)).isGreaterThanOrEqualTo(4L << 20);
            String path = TestMemoryCgroups.pathOf(busy);
            ReclaimPlan plan = new ReclaimPlan(
                    false,
                    0,
                    List.of(
                            new ReclaimStep(Action.FORCE_EMPTY, path, 0, "test"),
                            new ReclaimStep(Action.REMOVE, path, 0, "test"),
                            new ReclaimStep(Action.FORCE_EMPTY, TestMemoryCgroups.pathOf(t.parent()), 0, "its parent")),
                    List.of(),
                    Reclaim.Options.DEFAULT.withSettleTimeout(Duration.ZERO));

            ReclaimReport report = Reclaim.execute(fs, plan);

            assertThat(report.steps()).extracting(StepResult::outcome).containsOnly(Outcome.REFUSED);
            assertThat(report.steps().get(0).detail()).isEqualTo("not touched: it has tasks now (pid " + p.pid() + ")");
            assertThat(report.steps().get(2).detail()).contains("pid " + p.pid() + " in busy");
            assertThat(Files.isDirectory(busy)).isTrue();
            assertThat(cache(busy)).as("its page cache stays charged").isGreaterThanOrEqualTo(4L << 20);
            assertThat(p.isAlive()).isTrue();
        }
    }

    @Test
    void aPathThatLeavesTheHierarchyIsRefusedBeforeAnythingIsWritten() throws Exception {
        CgroupFs fs = CgroupFs.system();
        try (TestMemoryCgroups t = TestMemoryCgroups.create()) {
            Path victim = t.child("victim");
            String path = TestMemoryCgroups.pathOf(victim);
            ReclaimPlan plan = new ReclaimPlan(
                    false,
                    0,
                    List.of(
                            new ReclaimStep(Action.REMOVE, path, 0, "would be fine"),
                            new ReclaimStep(Action.REMOVE, path + "/../../../../../tmp", 0, "escape")),
                    List.of(),
                    Reclaim.Options.DEFAULT);
            assertThatThrownBy(() -> Reclaim.execute(fs, plan))
                    .isInstanceOf(ReclaimException.class)
                    .hasMessageContaining("/sys/fs/cgroup/memory: remove refused: '" + path
                            + "/../../../../../tmp' is not a normalised cgroup path")
                    .hasMessageContaining("nothing was changed");
            assertThat(Files.isDirectory(victim)).isTrue();
        }
    }

    @Test
    void memoryReclaimLowersTheUsageOfAV2Subtree() throws Exception {
        Prerequisites.requireRoot();
        CgroupFs fs = CgroupFs.system();
        if (!fs.memoryIsV2()) {
            Path unified = fs.unifiedMount().orElse(Path.of("/sys/fs/cgroup/unified"));
            String controllers = Files.exists(unified.resolve("cgroup.controllers"))
                    ? ProcFs.readKernelFile(unified.resolve("cgroup.controllers"))
                            .strip()
                    : "(no cgroup2 mount)";
            String reason = "the memory controller is bound to the v1 hierarchy at "
                    + fs.memoryV1Mount().orElse(null)
                    + " (cgroup2 at " + unified + " offers only '" + controllers
                    + "'); a controller can be on one hierarchy "
                    + "only, so memory.reclaim cannot be tried on this host";
            System.err.println("[hostkit-testkit] SKIP: " + reason);
            Assumptions.abort(reason);
        }
        Assumptions.assumeTrue(
                fs.kernel() != null && fs.kernel().atLeast(5, 19),
                "memory.reclaim needs 5.19+, this is " + fs.kernel());
        Path root = fs.memoryRoot();
        Path parent = root.resolve(TestNames.next("v2"));
        Path child = parent.resolve("c");
        Path file = Path.of("/var/tmp", TestNames.next("v2file"));
        Process p = null;
        try {
            Files.createDirectory(parent);
            Files.writeString(parent.resolve("cgroup.subtree_control"), "+memory");
            Files.createDirectory(child);
            p = new ProcessBuilder(
                            "sh",
                            "-c",
                            "echo $$ > " + child.resolve("cgroup.procs") + " && dd if=/dev/zero of=" + file
                                    + " bs=1M count=32 status=none")
                    .start();
            assertThat(p.waitFor()).isZero();
            long before = Long.parseLong(
                    ProcFs.readKernelFile(parent.resolve("memory.current")).strip());
            assertThat(before).isGreaterThanOrEqualTo(16L << 20);
            ReclaimPlan plan = new ReclaimPlan(
                    true,
                    0,
                    List.of(new ReclaimStep(Action.MEMORY_RECLAIM, "/" + root.relativize(parent), 16L << 20, "test")),
                    List.of(),
                    Reclaim.Options.DEFAULT);
            ReclaimReport report = Reclaim.execute(fs, plan);
            assertThat(report.steps().get(0).outcome()).isIn(Outcome.DONE, Outcome.PARTIAL);
            assertThat(report.steps().get(0).usageAfter().getAsLong()).isLessThan(before);
        } finally {
            if (p != null) {
                p.destroyForcibly().waitFor();
            }
            Files.deleteIfExists(file);
            Files.deleteIfExists(child);
            Files.deleteIfExists(parent);
        }
    }

    private static long cache(Path cgroup) {
        return MemoryCgroup.v1(cgroup, "/").read().orElseThrow().stat().getOrDefault("cache", 0L);
    }

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
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
