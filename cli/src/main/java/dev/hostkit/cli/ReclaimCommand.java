package dev.hostkit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.cgroups.CgroupException;
import dev.hostkit.cgroups.CgroupFs;
import dev.hostkit.cgroups.CgroupOwner;
import dev.hostkit.cgroups.MemoryCensus;
import dev.hostkit.cgroups.OrphanCgroup;
import dev.hostkit.cgroups.Reclaim;
import dev.hostkit.cgroups.ReclaimException;
import dev.hostkit.cgroups.ReclaimPlan;
import dev.hostkit.cgroups.ReclaimReport;
import dev.hostkit.cgroups.ReclaimReport.Snapshot;
import dev.hostkit.cgroups.ReclaimReport.StepResult;
import dev.hostkit.cgroups.ReclaimStep;
import dev.hostkit.doctor.DockerFacts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code hostkit cgroups reclaim [--dry-run] [--drop-caches] [--remove-orphans] [--json] [--step-timeout D]
 * [--under CGROUP] [--root DIR]}: frees dying memory cgroups with {@link Reclaim}. Census, orphans judged against
 * the Docker Engine's containers (as the doctor does), plan; {@code --dry-run} prints the plan and writes nothing.
 * Exit status 0 every step done (or nothing to do), 1 a step was refused, failed, timed out or interrupted, 2 the
 * plan was refused before any write, 64 bad usage, 70 the cgroups cannot be inspected.
 */
@Command(
        name = "reclaim",
        mixinStandardHelpOptions = true,
        versionProvider = Hostkit.Version.class,
        description =
                "Free dying memory cgroups: force_empty (v1) or memory.reclaim (v2) on orphaned cgroups, drop_caches when asked.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:every step done, or nothing to do",
            " 1:a step was refused, failed, timed out or interrupted",
            " 2:the plan was refused before any write",
            "64:bad usage",
            "70:the memory cgroups cannot be inspected"
        })
final class ReclaimCommand implements Callable<Integer> {
    static final String USAGE =
            "usage: hostkit cgroups reclaim [--dry-run] [--drop-caches] [--remove-orphans] [--json] "
                    + "[--step-timeout 10s] [--under CGROUP] [--root DIR]";
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)?");

    /** Parsed options: the host root, what to do, how to print. */
    record Args(Path root, boolean dryRun, boolean json, String under, Reclaim.Options options) {}

    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run", description = "Print the plan and write nothing.")
    boolean dryRun;

    @Option(
            names = "--json",
            description = "Print one JSON object (before.dying, after.dying, steps[] with action, target, millis).")
    boolean json;

    @Option(
            names = "--drop-caches",
            description =
                    "Write 1 to /proc/sys/vm/drop_caches as the last step (host-wide; v1's only lever for dying cgroups).")
    boolean dropCaches;

    @Option(names = "--remove-orphans", description = "rmdir orphaned cgroups once emptied.")
    boolean removeOrphans;

    @Option(
            names = "--step-timeout",
            paramLabel = "DURATION",
            defaultValue = "10s",
            description = "Time box of each write: 500ms, 10s, 2m (default: ${DEFAULT-VALUE}).")
    String stepTimeout;

    @Option(
            names = "--under",
            paramLabel = "CGROUP",
            description = "Only orphans below this cgroup path, e.g. /kubepods.")
    String under;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            description = "Where the host's / is (default: $HOSTKIT_ROOT, else /).")
    String root;

    private final Map<String, String> env;
    private final Function<List<String>, DockerFacts.LiveIds> liveIds;

    /** On this host: the environment, and the Docker Engine for who exists. */
    ReclaimCommand() {
        this(System.getenv(), DockerFacts::liveIdsOrNull);
    }

    /**
     * @param liveIds who exists (given a list to add the reason to when it cannot tell; returns null then); asked
     *                only when the root is {@code /}
     */
    ReclaimCommand(Map<String, String> env, Function<List<String>, DockerFacts.LiveIds> liveIds) {
        this.env = env;
        this.liveIds = liveIds;
    }

    /** {@code hostkit cgroups reclaim ARGS...} with its streams, environment and source of live ids (for tests). */
    static int run(
            String[] argv,
            PrintStream out,
            PrintStream err,
            Map<String, String> env,
            Function<List<String>, DockerFacts.LiveIds> liveIds) {
        String[] all = new String[argv.length + 1];
        all[0] = "reclaim";
        System.arraycopy(argv, 0, all, 1, argv.length);
        CommandLine cgroups = new CommandLine(new CgroupsCommand(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == ReclaimCommand.class
                        ? cls.cast(new ReclaimCommand(env, liveIds))
                        : CommandLine.defaultFactory().create(cls);
            }
        });
        return Hostkit.run("cgroups", cgroups, out, err, all);
    }

    @Override
    public Integer call() {
        Args a;
        try {
            Reclaim.Options options = Reclaim.Options.DEFAULT
                    .withStepTimeout(duration(stepTimeout, "--step-timeout"))
                    .withRemoveOrphans(removeOrphans)
                    .withDropCaches(dropCaches ? Reclaim.DropCaches.PAGE_CACHE : Reclaim.DropCaches.NONE);
            a = new Args(HostRoot.of(root, env), dryRun, json, under == null ? null : cgroupPath(under), options);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return execute(a, out, err, liveIds);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int execute(
            Args a, PrintWriter out, PrintWriter err, Function<List<String>, DockerFacts.LiveIds> liveIds) {
        CgroupFs fs;
        MemoryCensus census;
        ReclaimPlan plan;
        List<String> whyNot = new ArrayList<>();
        long t0 = System.nanoTime();
        long censusNanos;
        if (HostRoot.isSlash(a.root())) {
            warmUp(liveIds);
        }
        try {
            fs = CgroupFs.at(a.root());
            census = MemoryCensus.full(fs);
            censusNanos = System.nanoTime() - t0;
            DockerFacts.LiveIds live = HostRoot.isSlash(a.root()) ? liveIds.apply(whyNot) : null;
            if (live == null) {
                if (HostRoot.isSlash(a.root())) {
                    whyNot.replaceAll(why -> "cannot ask the Docker Engine who exists: " + why);
                } else {
                    whyNot.add("the Docker Engine is asked only with the root /, not " + a.root());
                }
                plan = Reclaim.plan(fs, census, null, null, a.options());
            } else {
                List<OrphanCgroup> orphans = OrphanCgroup.find(
                        census, live.podUids(), live.containerIds(), Set.of(CgroupOwner.Runtime.DOCKER));
                if (a.under() != null) {
                    orphans = orphans.stream()
                            .filter(o -> isUnder(o.path(), a.under()))
                            .toList();
                }
                plan = Reclaim.plan(fs, census, orphans, a.options());
            }
            plan = within(plan, a.under());
        } catch (CgroupException e) {
            err.println("hostkit cgroups reclaim: " + e.getMessage());
            return e instanceof ReclaimException ? 2 : 70;
        }
        // The time the census took and the time beyond it (the engine's ids, orphans, the plan): the dry run's cost.
        Timings timings = new Timings(censusNanos / 1_000_000, (System.nanoTime() - t0 - censusNanos) / 1_000_000);
        List<String> notes = new ArrayList<>(whyNot);
        notes.addAll(plan.notes());
        if (a.dryRun()) {
            Map<String, Object> m = planMap(plan, notes);
            m.put("censusMillis", timings.censusMillis());
            m.put("planMillis", timings.planMillis());
            out.println(
                    a.json()
                            ? json(m)
                            : planText(plan, notes) + " (census " + timings.censusMillis() + " ms, plan "
                                    + timings.planMillis() + " ms)");
            return 0;
        }
        ReclaimReport report;
        try {
            report = Reclaim.execute(fs, plan);
        } catch (ReclaimException e) {
            err.println("hostkit cgroups reclaim: " + e.getMessage());
            return 2;
        }
        out.println(a.json() ? json(reportMap(plan, report, notes)) : reportText(plan, report, notes));
        return failed(report).isEmpty() ? 0 : 1;
    }

    /**
     * The engine is asked who exists only after the census: a container started in between must not look orphaned.
     * Its client and JSON stack (a cold JVM's second most expensive start, after the census) load during the census
     * instead, by a throw-away list on a daemon thread; the list that counts is taken afterwards, as before.
     */
    private static void warmUp(Function<List<String>, DockerFacts.LiveIds> liveIds) {
        Thread t = new Thread(
                () -> {
                    try {
                        liveIds.apply(new ArrayList<>());
                    } catch (RuntimeException e) {
                        // the real query after the census says what is wrong
                    }
                },
                "hostkit-engine-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** Milliseconds of the census, and of everything after it up to a plan. */
    record Timings(long censusMillis, long planMillis) {}

    /** {@code 500ms}, {@code 10s}, {@code 2m} or plain seconds; more than zero. */
    static Duration duration(String s, String option) {
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " '" + s + "' is not a duration (e.g. 500ms, 10s, 2m)");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = m.group(2) == null || m.group(2).equals("s")
                ? Duration.ofSeconds(n)
                : m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofMinutes(n);
        if (d.isZero()) {
            throw new IllegalArgumentException(option + " must be more than zero, got '" + s + "'");
        }
        return d;
    }

    /** A cgroup path as the census names them: absolute, normalised, not the root. */
    private static String cgroupPath(String s) {
        if (!s.startsWith("/")
                || s.equals("/")
                || !Path.of(s).normalize().toString().equals(s)
                || s.endsWith("/")) {
            throw new IllegalArgumentException(
                    "--under '" + s + "' is not a cgroup path below the root (e.g. /kubepods)");
        }
        return s;
    }

    private static boolean isUnder(String path, String under) {
        return path.equals(under) || path.startsWith(under + "/");
    }

    /** The plan restricted to cgroups under {@code under} (drop_caches, host-wide, stays when asked). */
    private static ReclaimPlan within(ReclaimPlan plan, String under) {
        if (under == null) {
            return plan;
        }
        List<ReclaimStep> steps = plan.steps().stream()
                .filter(s -> s.action() == ReclaimStep.Action.DROP_CACHES || isUnder(s.target(), under))
                .toList();
        List<String> notes = new ArrayList<>(plan.notes());
        if (steps.size() < plan.steps().size()) {
            notes.add((plan.steps().size() - steps.size()) + " step(s) outside " + under + " left out (--under)");
        }
        return new ReclaimPlan(plan.memoryV2(), plan.dyingBefore(), steps, notes, plan.options());
    }

    private static List<StepResult> failed(ReclaimReport r) {
        return r.steps().stream()
                .filter(s -> switch (s.outcome()) {
                    case DONE, PARTIAL, SKIPPED -> false;
                    case REFUSED, TIMED_OUT, INTERRUPTED, FAILED -> true;
                })
                .toList();
    }

    private static String planText(ReclaimPlan plan, List<String> notes) {
        StringBuilder b = new StringBuilder();
        b.append("plan        ")
                .append(plan.steps().size())
                .append(" step(s) on memory ")
                .append(plan.memoryV2() ? "v2" : "v1")
                .append(", ")
                .append(plan.dyingBefore())
                .append(" dying\n");
        plan.steps().forEach(s -> b.append("  ").append(s).append('\n'));
        notes.forEach(n -> b.append("  note: ").append(n).append('\n'));
        b.append("dry run: nothing written");
        return b.toString();
    }

    private static String reportText(ReclaimPlan plan, ReclaimReport r, List<String> notes) {
        StringBuilder b = new StringBuilder();
        b.append("before      ").append(snapshotText(r.before())).append('\n');
        for (StepResult s : r.steps()) {
            b.append("  ")
                    .append(s.step().action().label())
                    .append(' ')
                    .append(s.step().target())
                    .append(": ")
                    .append(s.outcome())
                    .append(" in ")
                    .append(s.millis())
                    .append(" ms");
            if (s.usageBefore().isPresent()) {
                b.append(", usage ")
                        .append(mib(s.usageBefore()))
                        .append(" -> ")
                        .append(s.usageAfter().isPresent() ? mib(s.usageAfter()) : "gone");
            }
            b.append(s.detail().isEmpty() ? "" : " (" + s.detail() + ")").append('\n');
        }
        if (plan.steps().isEmpty()) {
            b.append("  nothing to do\n");
        }
        notes.forEach(n -> b.append("  note: ").append(n).append('\n'));
        b.append("after       ").append(snapshotText(r.after())).append('\n');
        b.append("took        ").append(r.millis()).append(" ms");
        r.workersStillRunning()
                .forEach(w -> b.append("\nstill inside the kernel: ").append(w));
        return b.toString();
    }

    private static String snapshotText(Snapshot s) {
        return s.live() + " live, " + s.dying() + " dying memory cgroups"
                + (s.procCgroupsCount().isPresent()
                        ? " (/proc/cgroups " + s.procCgroupsCount().getAsLong() + ")"
                        : "")
                + ", page cache " + mib(s.pageCacheBytes()) + ", reclaimable slab " + mib(s.slabReclaimableBytes());
    }

    private static String mib(OptionalLong bytes) {
        return bytes.isPresent()
                ? String.format(java.util.Locale.ROOT, "%.1f MiB", bytes.getAsLong() / 1048576.0)
                : "unknown";
    }

    private static Map<String, Object> planMap(ReclaimPlan plan, List<String> notes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dryRun", true);
        m.put("memoryV2", plan.memoryV2());
        m.put("before", Map.of("dying", plan.dyingBefore()));
        List<Map<String, Object>> steps = new ArrayList<>();
        for (ReclaimStep s : plan.steps()) {
            steps.add(stepMap(s));
        }
        m.put("steps", steps);
        m.put("notes", notes);
        return m;
    }

    private static Map<String, Object> reportMap(ReclaimPlan plan, ReclaimReport r, List<String> notes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dryRun", false);
        m.put("memoryV2", plan.memoryV2());
        m.put("before", snapshotMap(r.before()));
        m.put("after", snapshotMap(r.after()));
        List<Map<String, Object>> steps = new ArrayList<>();
        for (StepResult s : r.steps()) {
            Map<String, Object> sm = stepMap(s.step());
            sm.put("outcome", s.outcome().name().toLowerCase(java.util.Locale.ROOT));
            sm.put("millis", s.millis());
            sm.put("detail", s.detail());
            sm.put("usageBefore", s.usageBefore().isPresent() ? s.usageBefore().getAsLong() : null);
            sm.put("usageAfter", s.usageAfter().isPresent() ? s.usageAfter().getAsLong() : null);
            steps.add(sm);
        }
        m.put("steps", steps);
        m.put("notes", notes);
        m.put("millis", r.millis());
        m.put("workersStillRunning", r.workersStillRunning());
        m.put("ok", failed(r).isEmpty());
        return m;
    }

    private static Map<String, Object> stepMap(ReclaimStep s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("action", s.action().label());
        m.put("target", s.target());
        m.put("amount", s.amount());
        m.put("why", s.why());
        return m;
    }

    private static Map<String, Object> snapshotMap(Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("live", s.live());
        m.put("dying", s.dying());
        m.put(
                "procCgroups",
                s.procCgroupsCount().isPresent() ? s.procCgroupsCount().getAsLong() : null);
        m.put(
                "pageCacheBytes",
                s.pageCacheBytes().isPresent() ? s.pageCacheBytes().getAsLong() : null);
        m.put(
                "slabReclaimableBytes",
                s.slabReclaimableBytes().isPresent() ? s.slabReclaimableBytes().getAsLong() : null);
        return m;
    }

    private static String json(Map<String, Object> m) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the reclaim report as JSON", e);
        }
    }
}
