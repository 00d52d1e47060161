package dev.hostkit.cgroups;

import dev.hostkit.cgroups.ReclaimReport.Outcome;
import dev.hostkit.cgroups.ReclaimStep.Action;
import dev.hostkit.testkit.cgroups.CgroupFixture;
import dev.hostkit.testkit.cgroups.CgroupFixture.ContainerRuntime;
import dev.hostkit.testkit.cgroups.CgroupFixture.Qos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reclaim plans and executions on fixture trees: what is planned, what is refused, time boxes. No kernel writes. */
class ReclaimTest {
    private static final String POD_GONE = "11111111-2222-3333-4444-555555555555";
    private static final String POD_RUNNING = "66666666-7777-8888-9999-000000000000";
    private static final String C1 = "a1".repeat(32);
    private static final String C2 = "b2".repeat(32);
    private static final String C3 = "c3".repeat(32);
    private static final Reclaim.Options QUICK = Reclaim.Options.DEFAULT.withSettleTimeout(Duration.ZERO);

    @TempDir
    Path dir;

    private static String stat(long descendants, long dying) {
        return "nr_descendants " + descendants + "\nnr_dying_descendants " + dying + "\n";
    }

    // A v2 host (6.1) whose cgroup.stat files say where 9 dying cgroups are: 2 under the root, 2 under kubepods.slice,
    // 5 under a.
    private CgroupFs v2WithDyingChildren() {
        Path root = CgroupFixture.kernel61V2()
                .root(m -> m.file("cgroup.stat", stat(3, 9)))
                .cgroup(
                        "/kubepods.slice",
                        m -> m.file("cgroup.stat", stat(2, 7)).file("memory.reclaim", ""))
                .cgroup(
                        "/kubepods.slice/a",
                        m -> m.file("cgroup.stat", stat(0, 5)).file("memory.reclaim", ""))
                .cgroup(
                        "/kubepods.slice/b",
                        m -> m.file("cgroup.stat", stat(0, 0)).file("memory.reclaim", ""))
                .build(dir);
        return CgroupFs.at(root);
    }

    @Test
    void v1PlanEmptiesTasklessOrphansRemovesThemDeepestFirstThenDropsCachesAndLeavesOrphansWithTasksAlone()
            throws Exception {
        Path root = CgroupFixture.kernel("5.10.0-28-amd64")
                .containerDefaults(m -> m.tasks(0))
                .kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, POD_GONE, C1, C2)
                .containerDefaults(m -> m.tasks(1))
                .kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, POD_RUNNING, C3)
                .dying(40)
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        MemoryCensus census = MemoryCensus.full(fs);
        List<String> treeBefore = tree(root);

        ReclaimPlan plan = Reclaim.plan(
                fs,
                census,
                Set.of(),
                Set.of(),
                QUICK.withRemoveOrphans(true).withDropCaches(Reclaim.DropCaches.PAGE_CACHE));

        String gone = "/kubepods/burstable/pod" + POD_GONE;
        assertThat(plan.memoryV2()).isFalse();
        assertThat(plan.dyingBefore()).isEqualTo(40);
        assertThat(plan.steps())
                .extracting(s -> s.action() + " " + s.target())
                .containsExactly(
                        "FORCE_EMPTY " + gone,
                        "REMOVE " + gone + "/" + C1,
                        "REMOVE " + gone + "/" + C2,
                        "REMOVE " + gone,
                        "DROP_CACHES /proc/sys/vm/drop_caches");
        assertThat(plan.steps().get(0).why()).contains("pod " + POD_GONE + " no longer exists");
        assertThat(plan.steps().get(4).amount()).isEqualTo(1);
        assertThat(plan.notes()).anyMatch(n -> n.contains("pod" + POD_RUNNING) && n.contains("1 tasks: not touched"));
        assertThat(tree(root)).as("planning writes nothing").isEqualTo(treeBefore);
    }

    @Test
    void v1PlanWithoutOptionsSaysWhatIsLeftAndWhy() {
        Path root = CgroupFixture.kernel("5.10.0-28-amd64")
                .containerDefaults(m -> m.tasks(0))
                .kubeletCgroupfsPod(Qos.BURSTABLE, ContainerRuntime.DOCKER, POD_GONE, C1)
                .dying(12)
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        ReclaimPlan plan = Reclaim.plan(fs, MemoryCensus.full(fs), Set.of(), Set.of(), QUICK);
        assertThat(plan.steps()).extracting(ReclaimStep::action).containsExactly(Action.FORCE_EMPTY);
        assertThat(plan.notes())
                .anyMatch(n -> n.contains("left in place: removal was not asked for"))
                .anyMatch(n -> n.startsWith("12 dying memory cgroups stay") && n.contains("drop_caches"));

        ReclaimPlan unjudged = Reclaim.plan(fs, MemoryCensus.counts(fs), null, null, QUICK);
        assertThat(unjudged.steps()).isEmpty();
        assertThat(unjudged.notes()).anyMatch(n -> n.contains("orphans not judged"));
        assertThat(unjudged.isEmpty()).isTrue();
    }

    @Test
    void v2PlanReclaimsWhereDyingChildrenAreMostFirstAndNeverTheRoot() {
        CgroupFs fs = v2WithDyingChildren();
        MemoryCensus census = MemoryCensus.counts(fs);
        ReclaimPlan plan = Reclaim.plan(fs, census, null, null, QUICK.withReclaimBytesPerStep(1 << 20));

        assertThat(plan.memoryV2()).isTrue();
        assertThat(plan.steps())
                .extracting(ReclaimStep::toString)
                .containsExactly(
                        "memory_reclaim /kubepods.slice/a (1048576): 5 dying children (5 dying descendants)",
                        "memory_reclaim /kubepods.slice (1048576): 2 dying children (7 dying descendants)");
        assertThat(plan.notes()).anyMatch(n -> n.startsWith("2 dying cgroups directly under the root"));

        ReclaimPlan capped = Reclaim.plan(
                fs,
                census,
                null,
                null,
                new Reclaim.Options(Reclaim.DropCaches.NONE, false, 1 << 20, 1, Duration.ofSeconds(1), Duration.ZERO));
        assertThat(capped.steps()).extracting(ReclaimStep::target).containsExactly("/kubepods.slice/a");
        assertThat(capped.notes()).anyMatch(n -> n.startsWith("1 more cgroups hold dying children"));
    }

    @Test
    void v2BeforeMemoryReclaimExistedPlansNoReclaimAndSaysWhy() {
        Path root = CgroupFixture.kernel("5.15.0-91-generic")
                .v2()
                .cgroup("/a")
                .dying(4)
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        ReclaimPlan plan = Reclaim.plan(fs, MemoryCensus.counts(fs), null, null, QUICK);
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.notes()).anyMatch(n -> n.contains("memory.reclaim needs kernel 5.19 or later, this is 5.15"));
    }

    @Test
    void aCensusOfAnotherHierarchyIsRefused() {
        CgroupFs v2 = v2WithDyingChildren();
        MemoryCensus v1Census =
                MemoryCensus.counts(CgroupFs.at(CgroupFixture.kernel("5.10.0").build(dir.resolve("v1"))));
        assertThatThrownBy(() -> Reclaim.plan(v2, v1Census, null, null, QUICK))
                .isInstanceOf(ReclaimException.class)
                .hasMessageContaining("census is of the v1 memory hierarchy, the host's is v2");
    }

    @Test
    void executeWritesTheBoundedAmountToEachTargetsMemoryReclaim() throws Exception {
        CgroupFs fs = v2WithDyingChildren();
        ReclaimPlan plan =
                Reclaim.plan(fs, MemoryCensus.counts(fs), null, null, QUICK.withReclaimBytesPerStep(1 << 20));
        ReclaimReport report = Reclaim.execute(fs, plan);

        Path cg = fs.memoryRoot().resolve("kubepods.slice");
        assertThat(Files.readString(cg.resolve("a/memory.reclaim"))).isEqualTo("1048576");
        assertThat(Files.readString(cg.resolve("memory.reclaim"))).isEqualTo("1048576");
        assertThat(Files.readString(cg.resolve("b/memory.reclaim"))).isEmpty();
        assertThat(report.steps())
                .extracting(ReclaimReport.StepResult::outcome)
                .containsExactly(Outcome.DONE, Outcome.DONE);
        assertThat(report.steps().get(0).usageBefore()).hasValue(4L << 20);
        assertThat(report.before().dying()).isEqualTo(9);
        assertThat(report.after().dying()).isEqualTo(9);
        assertThat(report.workersStillRunning()).isEmpty();
    }

    @Test
    void dropCachesWritesTheAskedValueToProcSysVm() throws Exception {
        Path root = CgroupFixture.kernel("5.10.0")
                .dying(3)
                .hostFile("proc/sys/vm/drop_caches", "")
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        ReclaimPlan plan = Reclaim.plan(
                fs, MemoryCensus.counts(fs), null, null, QUICK.withDropCaches(Reclaim.DropCaches.PAGE_CACHE_AND_SLAB));
        ReclaimReport report = Reclaim.execute(fs, plan);
        assertThat(Files.readString(root.resolve("proc/sys/vm/drop_caches"))).isEqualTo("3");
        assertThat(report.steps()).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.DONE);
            assertThat(r.step().target()).isEqualTo("/proc/sys/vm/drop_caches");
        });
    }

    @Test
    void aTargetOutsideTheHierarchyIsRefusedBeforeAnyStepIsWritten() throws Exception {
        CgroupFs fs = v2WithDyingChildren();
        ReclaimPlan plan = new ReclaimPlan(
                true,
                9,
                List.of(
                        new ReclaimStep(Action.MEMORY_RECLAIM, "/kubepods.slice/a", 4096, "fine"),
                        new ReclaimStep(Action.MEMORY_RECLAIM, "/kubepods.slice/../../../../etc", 4096, "escape")),
                List.of(),
                QUICK);
        assertThatThrownBy(() -> Reclaim.execute(fs, plan))
                .isInstanceOfSatisfying(
                        ReclaimException.class,
                        e -> assertThat(e.step().target()).endsWith("/etc"))
                .hasMessageContaining(
                        "memory_reclaim refused: '/kubepods.slice/../../../../etc' is not a normalised cgroup path")
                .hasMessageContaining("nothing was changed");
        assertThat(Files.readString(fs.memoryRoot().resolve("kubepods.slice/a/memory.reclaim")))
                .isEmpty();

        for (String bad : List.of("/", "relative", "/a//b", "/a/./b")) {
            ReclaimPlan p =
                    new ReclaimPlan(true, 0, List.of(new ReclaimStep(Action.REMOVE, bad, 0, "")), List.of(), QUICK);
            assertThatThrownBy(() -> Reclaim.execute(fs, p))
                    .isInstanceOf(ReclaimException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
        ReclaimPlan wrongFile = new ReclaimPlan(
                true, 0, List.of(new ReclaimStep(Action.DROP_CACHES, "/etc/passwd", 1, "")), List.of(), QUICK);
        assertThatThrownBy(() -> Reclaim.execute(fs, wrongFile))
                .isInstanceOf(ReclaimException.class)
                .hasMessageContaining("its target must be /proc/sys/vm/drop_caches, not '/etc/passwd'");
        ReclaimPlan v1FileOnV2 = new ReclaimPlan(
                true, 0, List.of(new ReclaimStep(Action.FORCE_EMPTY, "/kubepods.slice/a", 0, "")), List.of(), QUICK);
        assertThatThrownBy(() -> Reclaim.execute(fs, v1FileOnV2))
                .isInstanceOf(ReclaimException.class)
                .hasMessageContaining("memory.force_empty is a cgroup v1 file");
    }

    @Test
    void aCgroupReachedThroughASymlinkIsRefused() throws Exception {
        CgroupFs fs = v2WithDyingChildren();
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("cgroup.procs"), "");
        Files.writeString(outside.resolve("memory.reclaim"), "");
        Files.createSymbolicLink(fs.memoryRoot().resolve("evil"), outside);
        ReclaimPlan plan = new ReclaimPlan(
                true, 0, List.of(new ReclaimStep(Action.MEMORY_RECLAIM, "/evil", 4096, "")), List.of(), QUICK);
        assertThatThrownBy(() -> Reclaim.execute(fs, plan))
                .isInstanceOf(ReclaimException.class)
                .hasMessageContaining("resolves to " + outside.toRealPath() + " (through a symlink)");
        assertThat(Files.readString(outside.resolve("memory.reclaim"))).isEmpty();
    }

    @Test
    void aCgroupWithTasksIsRefusedAtItsTurnAndNotWritten() throws Exception {
        Path root = CgroupFixture.kernel61V2()
                .cgroup("/busy", m -> m.tasks(2).file("memory.reclaim", ""))
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        ReclaimPlan plan = new ReclaimPlan(
                true, 0, List.of(new ReclaimStep(Action.MEMORY_RECLAIM, "/busy", 4096, "test")), List.of(), QUICK);
        ReclaimReport report = Reclaim.execute(fs, plan);
        assertThat(report.steps()).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REFUSED);
            assertThat(r.detail()).startsWith("not touched: it has tasks now (pid ");
            assertThat(r.millis()).isZero();
        });
        assertThat(Files.readString(fs.memoryRoot().resolve("busy/memory.reclaim")))
                .isEmpty();
    }

    @Test
    void aWriteThatBlocksPastItsTimeBoxIsAbandonedReportedAndLaterStepsOnItSkipped() throws Exception {
        Path root = CgroupFixture.kernel61V2()
                .cgroup("/slow")
                .cgroup("/other", m -> m.file("memory.reclaim", ""))
                .build(dir);
        CgroupFs fs = CgroupFs.at(root);
        Path fifo = fs.memoryRoot().resolve("slow/memory.reclaim");
        // A FIFO without a reader blocks the writer's open(2): a kernel file that does not answer.
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor())
                .isZero();
        ReclaimPlan plan = new ReclaimPlan(
                true,
                0,
                List.of(
                        new ReclaimStep(Action.MEMORY_RECLAIM, "/slow", 4096, "blocks"),
                        new ReclaimStep(Action.REMOVE, "/slow", 0, "after the reclaim"),
                        new ReclaimStep(Action.MEMORY_RECLAIM, "/other", 4096, "independent")),
                List.of(),
                QUICK.withStepTimeout(Duration.ofMillis(200)));

        ReclaimReport report = Reclaim.execute(fs, plan);

        assertThat(report.steps())
                .extracting(ReclaimReport.StepResult::outcome)
                .containsExactly(Outcome.TIMED_OUT, Outcome.SKIPPED, Outcome.DONE);
        assertThat(report.steps().get(0).detail()).startsWith("no answer within the time box of 200 ms");
        assertThat(report.steps().get(0).millis()).isBetween(150L, 5_000L);
        assertThat(report.steps().get(1).detail()).isEqualTo("not started: an earlier step on /slow did not finish");
        assertThat(Files.isDirectory(fs.memoryRoot().resolve("slow"))).isTrue();
        assertThat(report.workersStillRunning()).singleElement().asString().startsWith("hostkit-reclaim-");

        // Unblock the abandoned worker: it was interrupted, so it closes without writing a byte, then ends.
        byte[] written;
        try (InputStream in = Files.newInputStream(fifo)) {
            written = in.readAllBytes();
        }
        assertThat(written).isEmpty();
        String worker = report.workersStillRunning().get(0);
        for (int i = 0; i < 100 && threadAlive(worker); i++) {
            Thread.sleep(50);
        }
        assertThat(threadAlive(worker))
                .as("abandoned worker ends once the kernel call returns")
                .isFalse();
    }

    @Test
    void anInterruptedCallerStartsNoStepAndKeepsItsInterruptFlag() throws Exception {
        CgroupFs fs = v2WithDyingChildren();
        ReclaimPlan plan = Reclaim.plan(fs, MemoryCensus.counts(fs), null, null, QUICK);
        Thread.currentThread().interrupt();
        ReclaimReport report;
        try {
            report = Reclaim.execute(fs, plan);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(report.steps()).extracting(ReclaimReport.StepResult::outcome).containsOnly(Outcome.INTERRUPTED);
        assertThat(report.steps(Outcome.INTERRUPTED)).hasSize(2);
        assertThat(Files.readString(fs.memoryRoot().resolve("kubepods.slice/a/memory.reclaim")))
                .isEmpty();
    }

    @Test
    void optionsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> Reclaim.Options.DEFAULT.withStepTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stepTimeout PT0S (> 0)");
        assertThatThrownBy(() -> Reclaim.Options.DEFAULT.withReclaimBytesPerStep(10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reclaimBytesPerStep 10 (>= 4096)");
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    private static List<String> tree(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> {
                        try {
                            return root.relativize(p)
                                    + (Files.isRegularFile(p)
                                            ? " " + Files.readString(p).hashCode()
                                            : "");
                        } catch (Exception e) {
                            return root.relativize(p) + " ?";
                        }
                    })
                    .sorted()
                    .toList();
        }
    }
}
