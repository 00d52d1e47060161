package dev.hostkit.cgroups;

import dev.hostkit.cgroups.ReclaimReport.Outcome;
import dev.hostkit.cgroups.ReclaimReport.Snapshot;
import dev.hostkit.cgroups.ReclaimReport.StepResult;
import dev.hostkit.cgroups.ReclaimStep.Action;
import dev.hostkit.cgroups.internal.CgroupGone;
import dev.hostkit.cgroups.internal.HierarchyWalk;
import dev.hostkit.cgroups.internal.KernelFiles;
import dev.hostkit.cgroups.internal.MemcgFiles;
import dev.hostkit.cgroups.internal.TimeBox;
import dev.hostkit.core.Errno;
import dev.hostkit.core.ProcFs;
import dev.hostkit.core.internal.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Executes one plan: validates every step, snapshots, runs each write in its time box with the tasks re-checked
 * just before, then waits for the dying count to settle and snapshots again.
 */
final class ReclaimExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(Reclaim.class);
    private static final int FORCE_EMPTY_PASSES = 3;
    private static final int SETTLED_POLLS = 5;

    private final CgroupFs fs;
    private final ReclaimPlan plan;
    private final Path root;

    ReclaimExecutor(CgroupFs fs, ReclaimPlan plan) {
        this.fs = fs;
        this.plan = plan;
        this.root = fs.memoryRoot();
    }

    ReclaimReport run() {
        long t0 = System.nanoTime();
        if (fs.memoryIsV2() != plan.memoryV2()) {
            throw new ReclaimException(
                    root,
                    null,
                    "the plan is for a " + version(plan.memoryV2()) + " memory hierarchy, this host's is "
                            + version(fs.memoryIsV2()));
        }
        Path realRoot;
        try {
            realRoot = root.toRealPath();
        } catch (IOException e) {
            throw new ReclaimException(root, null, "the memory hierarchy's root cannot be resolved: " + e.getMessage());
        }
        ReclaimTargets check = new ReclaimTargets(fs, plan.memoryV2(), root, realRoot);
        List<Path> targets = new ArrayList<>();
        for (ReclaimStep step : plan.steps()) {
            targets.add(check.resolve(step));
        }

        Snapshot before = snapshot();
        List<StepResult> results = new ArrayList<>();
        Set<String> unfinished = new HashSet<>();
        boolean interrupted = false;
        boolean wrote = false;
        List<String> stillRunning;
        try (TimeBox box = new TimeBox("hostkit-reclaim")) {
            for (int i = 0; i < plan.steps().size(); i++) {
                ReclaimStep step = plan.steps().get(i);
                String blocker = unfinished.stream()
                        .filter(u -> within(step.target(), u))
                        .findFirst()
                        .orElse(null);
                StepResult r;
                if (interrupted || Thread.currentThread().isInterrupted()) {
                    r = notRun(step, Outcome.INTERRUPTED, "not started: the caller was interrupted");
                } else if (blocker != null) {
                    r = notRun(step, Outcome.SKIPPED, "not started: an earlier step on " + blocker + " did not finish");
                } else {
                    r = runStep(box, step, targets.get(i));
                }
                switch (r.outcome()) {
                    case TIMED_OUT -> unfinished.add(step.target());
                    case INTERRUPTED -> interrupted = true;
                    default -> {}
                }
                wrote |= r.millis() > 0 || r.outcome() == Outcome.DONE || r.outcome() == Outcome.PARTIAL;
                results.add(r);
            }
            Snapshot after = interrupted || !wrote ? snapshot() : settle();
            interrupted |= Thread.currentThread().isInterrupted();
            stillRunning = box.stillRunning();
            if (!stillRunning.isEmpty()) {
                LOG.warn(
                        "reclaim: {} abandoned worker(s) still inside a kernel write: {}",
                        stillRunning.size(),
                        stillRunning);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return new ReclaimReport(before, after, results, (System.nanoTime() - t0) / 1_000_000, stillRunning);
        }
    }

    private static String version(boolean v2) {
        return v2 ? "v2" : "v1";
    }

    // True when a cgroup path is the same as or below another.
    private static boolean within(String path, String ancestor) {
        return path.equals(ancestor) || path.startsWith(ancestor.endsWith("/") ? ancestor : ancestor + "/");
    }

    private StepResult runStep(TimeBox box, ReclaimStep step, Path target) {
        boolean cgroupStep = step.action() != Action.DROP_CACHES;
        if (cgroupStep && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            LOG.info("reclaim: {} {} skipped: the cgroup is gone", step.action().label(), step.target());
            return notRun(step, Outcome.SKIPPED, "the cgroup is gone");
        }
        if (cgroupStep) {
            List<String> tasks = tasks(step, target);
            if (!tasks.isEmpty()) {
                String detail = "not touched: it has tasks now ("
                        + String.join(", ", tasks.subList(0, Math.min(5, tasks.size())))
                        + (tasks.size() > 5 ? ", ... " + tasks.size() + " in all" : "") + ")";
                LOG.warn("reclaim: {} {} refused: {}", step.action().label(), step.target(), detail);
                return notRun(step, Outcome.REFUSED, detail);
            }
        }
        OptionalLong usageBefore = cgroupStep ? usage(target) : OptionalLong.empty();
        Path file;
        String value;
        Callable<Void> write;
        switch (step.action()) {
            case REMOVE -> {
                file = target;
                value = null;
                write = () -> {
                    Files.delete(target);
                    return null;
                };
            }
            case DROP_CACHES -> {
                file = target;
                value = Long.toString(step.amount());
                // drop_caches frees clean pages only: write back first, as "sync; echo 1 > drop_caches" does.
                write = () -> {
                    if (fs.root().equals(Path.of("/"))) { // a fixture tree is not the host: nothing of it to write back
                        LibC.sync();
                    }
                    KernelFiles.write(file, value);
                    return null;
                };
            }
            case FORCE_EMPTY -> {
                file = target.resolve(MemcgFiles.FORCE_EMPTY);
                value = "0";
                // One pass can leave a few dozen pages charged (per-CPU charge caches drained only in passing);
                // writing again while the usage falls empties it down to kernel memory that removal reparents.
                write = () -> {
                    long previous = Long.MAX_VALUE;
                    for (int pass = 0; pass < FORCE_EMPTY_PASSES; pass++) {
                        KernelFiles.write(file, value);
                        long now = usage(target).orElse(0);
                        if (now == 0 || now >= previous) {
                            break;
                        }
                        previous = now;
                    }
                    return null;
                };
            }
            case MEMORY_RECLAIM -> {
                file = target.resolve(MemcgFiles.MEMORY_RECLAIM);
                value = Long.toString(step.amount());
                write = writer(file, value);
            }
            default -> throw new IllegalStateException(step.action().name());
        }
        if (value == null) {
            LOG.info("reclaim: rmdir {} ({})", file, step.why());
        } else {
            LOG.info(
                    "reclaim: {}writing '{}' to {}{} ({})",
                    step.action() == Action.DROP_CACHES ? "sync(2), then " : "",
                    value,
                    file,
                    step.action() == Action.FORCE_EMPTY
                            ? " (again while the usage falls, at most " + FORCE_EMPTY_PASSES + " times)"
                            : "",
                    step.why());
        }
        long t0 = System.nanoTime();
        Outcome outcome;
        String detail;
        try {
            box.call(write, plan.options().stepTimeout());
            outcome = Outcome.DONE;
            detail = "done";
        } catch (TimeoutException e) {
            outcome = Outcome.TIMED_OUT;
            detail = "no answer within the time box of "
                    + plan.options().stepTimeout().toMillis()
                    + " ms: the worker was interrupted and abandoned; later steps on this cgroup are skipped";
        } catch (InterruptedException e) {
            outcome = Outcome.INTERRUPTED;
            detail = "the caller was interrupted during the write: the worker was interrupted and abandoned";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            Errno errno = cause instanceof IOException io ? KernelFiles.errnoOf(io) : null;
            String why = errno != null ? errno.describe() : String.valueOf(cause);
            if (step.action() == Action.MEMORY_RECLAIM && errno == Errno.EAGAIN) {
                outcome = Outcome.PARTIAL;
                detail = "the kernel reclaimed less than the " + step.amount() + " bytes asked (" + why + ")";
            } else if (step.action() == Action.FORCE_EMPTY && errno == Errno.EBUSY) {
                outcome = Outcome.PARTIAL;
                detail = "the kernel could not empty it (" + why + ")";
            } else if (cgroupStep && errno == Errno.ENOENT && !Files.isDirectory(target)) {
                outcome = Outcome.SKIPPED;
                detail = "the cgroup was removed meanwhile";
            } else {
                outcome = Outcome.FAILED;
                detail = file + ": " + why;
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        OptionalLong usageAfter = cgroupStep && outcome != Outcome.TIMED_OUT && outcome != Outcome.INTERRUPTED
                ? usage(target)
                : OptionalLong.empty();
        if (usageBefore.isPresent() && usageAfter.isPresent()) {
            detail += "; usage " + usageBefore.getAsLong() + " -> " + usageAfter.getAsLong() + " bytes";
        }
        if (outcome == Outcome.DONE || outcome == Outcome.PARTIAL || outcome == Outcome.SKIPPED) {
            LOG.info("reclaim: {} {}: {} in {} ms ({})", step.action().label(), step.target(), outcome, millis, detail);
        } else {
            LOG.warn("reclaim: {} {}: {} in {} ms ({})", step.action().label(), step.target(), outcome, millis, detail);
        }
        return new StepResult(step, outcome, millis, detail, usageBefore, usageAfter);
    }

    private static Callable<Void> writer(Path file, String value) {
        return () -> {
            KernelFiles.write(file, value);
            return null;
        };
    }

    private static StepResult notRun(ReclaimStep step, Outcome outcome, String detail) {
        return new StepResult(step, outcome, 0, detail, OptionalLong.empty(), OptionalLong.empty());
    }

    /**
     * The tasks in the target right now: the whole subtree for force_empty (it reclaims the subtree), the cgroup
     * itself otherwise (a v2 cgroup with children has no processes of its own; rmdir fails on children anyway).
     * There is a window between this read and the write; a task that joins in it is not protected.
     */
    private List<String> tasks(ReclaimStep step, Path dir) {
        String file = plan.memoryV2() ? MemcgFiles.CGROUP_PROCS : MemcgFiles.TASKS;
        List<Path> dirs = new ArrayList<>();
        if (step.action() == Action.FORCE_EMPTY) {
            List<String> problems = new ArrayList<>();
            HierarchyWalk.walk(dir, problems).forEach(e -> dirs.add(e.dir()));
        } else {
            dirs.add(dir);
        }
        List<String> out = new ArrayList<>();
        for (Path d : dirs) {
            String text;
            try {
                text = KernelFiles.read(d, file);
            } catch (CgroupGone gone) {
                continue;
            }
            if (text == null) {
                continue;
            }
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    out.add(d.equals(dir) ? "pid " + line.strip() : "pid " + line.strip() + " in " + dir.relativize(d));
                }
            }
        }
        return out;
    }

    private OptionalLong usage(Path dir) {
        try {
            return KernelFiles.readLong(dir, plan.memoryV2() ? MemcgFiles.CURRENT : MemcgFiles.USAGE);
        } catch (CgroupGone | CgroupException e) {
            return OptionalLong.empty();
        }
    }

    private Snapshot snapshot() {
        MemoryCensus c = MemoryCensus.counts(fs);
        OptionalLong cached = OptionalLong.empty();
        OptionalLong slab = OptionalLong.empty();
        try {
            for (String line : ProcFs.readKernelFile(fs.proc().proc().resolve(MemcgFiles.PROC_MEMINFO))
                    .split("\n")) {
                if (line.startsWith("Cached:")) {
                    cached = kilobytes(line);
                } else if (line.startsWith("SReclaimable:")) {
                    slab = kilobytes(line);
                }
            }
        } catch (IOException e) {
            // a fixture without meminfo: memory unknown
        }
        return new Snapshot(c.live(), c.dying(), c.procCgroupsCount(), cached, slab);
    }

    // "Cached:          123456 kB" -> bytes
    private static OptionalLong kilobytes(String line) {
        String[] f = line.strip().split("\\s+");
        try {
            return f.length >= 2 ? OptionalLong.of(Long.parseLong(f[1]) * 1024) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Freeing a released memcg is asynchronous (RCU, a workqueue; ~150 ms here): wait until the dying count holds still for 500 ms. */
    private Snapshot settle() {
        long deadline = System.nanoTime() + plan.options().settleTimeout().toNanos();
        Snapshot last = snapshot();
        int steady = 0;
        while (steady < SETTLED_POLLS && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            Snapshot s = snapshot();
            steady = s.dying() == last.dying() ? steady + 1 : 0;
            last = s;
        }
        return last;
    }
}
