// Over 400 lines: one benchmark program with its own set-up and clean-up of namespaces, containers and a guardian
// state, and the shell baseline it is compared with; DoctorClientsBenchmark reuses its container start and Sh.
package dev.hostkit.benchmarks.doctor;

import dev.hostkit.doctor.DoctorSurvey;
import dev.hostkit.testkit.TestNames;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code hostkit doctor} on a busy host: N named network namespaces with a macvlan each on a test veth parent and M
 * running busybox containers ({@code --network none}) on the private engine, then the doctor timed in-process (the
 * first, cold call and warm calls) and as a fresh {@code java -jar hostkit.jar doctor --json} process (with and
 * without the class-data-sharing archive that {@code scripts/hostkit} uses), beside the same survey done by shell.
 *
 * <p>Everything it makes carries a per-run prefix ({@code hkd} and three random characters) and is removed on every
 * exit: in a finally block and, for a kill, in a shutdown hook. Other engineers' {@code hk*} objects are not touched.
 *
 * <p>Usage (root, {@code eval $(scripts/dev-dockerd)} first, run from the repository top after building
 * {@code cli/target/hostkit.jar}): {@code java -cp benchmarks/target/classes:$(cat /tmp/bench-cp.txt)
 * dev.hostkit.benchmarks.doctor.DoctorBenchmark [RUNS] [NAMESPACES] [CONTAINERS]}, the classpath from
 * {@code mvn -pl benchmarks dependency:build-classpath -Dmdep.outputFile=/tmp/bench-cp.txt}.
 */
public final class DoctorBenchmark {
    /** The JVM options of {@code scripts/hostkit}: C1 only and the serial GC, for a short-lived command. */
    static final List<String> CLI_JVM =
            List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xlog:disable", "-Xlog:all=error:stderr");

    private static final String DOCKER = "/usr/bin/docker";

    private DoctorBenchmark() {}

    /**
     * Runs the benchmark and prints a Markdown table.
     *
     * @param args [RUNS (default 11)] [NAMESPACES (default 100)] [CONTAINERS (default 100)]
     * @throws Throwable when the set-up or a measured command fails
     */
    public static void main(String[] args) throws Throwable {
        if (args.length == 2 && args[0].equals("--cold-call")) {
            System.out.println(coldCall(Path.of(args[1])));
            return;
        }
        if (args.length >= 3 && args[0].equals("--jars")) {
            JarVsJar.main(
                    Path.of(args[1]).toAbsolutePath(),
                    Path.of(args[2]).toAbsolutePath(),
                    Arrays.copyOfRange(args, 3, args.length));
            return;
        }
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        int namespaces = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int containers = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        Path jar = Path.of("cli/target/hostkit.jar").toAbsolutePath();
        String image = System.getenv("HK_TEST_IMAGE");
        if (!Files.isRegularFile(jar) || System.getenv("DOCKER_HOST") == null || image == null) {
            throw new IllegalStateException("run from the repository top, with cli/target/hostkit.jar built and "
                    + "eval $(scripts/dev-dockerd) done (DOCKER_HOST, HK_TEST_IMAGE)");
        }
        Fixture fx = new Fixture(tag(), namespaces, containers, image);
        Thread hook = new Thread(fx::cleanUp, "doctor-benchmark-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            long t0 = System.nanoTime();
            fx.setUp(jar);
            System.err.printf(
                    Locale.ROOT,
                    "set-up of %d namespaces and %d containers: %.1f s%n",
                    namespaces,
                    containers,
                    (System.nanoTime() - t0) / 1e9);
            // 100 containers just started: let the engine and the kernel settle before anything is timed.
            Thread.sleep(5_000);
            measure(fx, jar, runs);
        } finally {
            fx.cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs (and finds nothing left)
            }
        }
    }

    /** In a fresh JVM (the --cold-call mode): the first survey call's duration in milliseconds (class loading and interpreted code included). */
    private static double coldCall(Path stateDir) {
        long t = System.nanoTime();
        String report = DoctorSurvey.json(stateDir);
        double ms = (System.nanoTime() - t) / 1e6;
        if (!report.contains("\"guardian\"")) {
            throw new IllegalStateException("no guardian section: " + report);
        }
        return ms;
    }

    private static void measure(Fixture fx, Path jar, int runs) throws Throwable {
        fx.ensureRunning();
        fx.checkSaw(DoctorSurvey.json(fx.stateDir()));
        for (int i = 0; i < 5; i++) {
            DoctorSurvey.json(fx.stateDir());
        }
        double[] warm = new double[runs];

        Path jsa = Files.createTempFile("hostkit-doctor-bench", ".jsa");
        try {
            Files.delete(jsa);
            List<String> dump = new ArrayList<>(List.of("java"));
            dump.addAll(CLI_JVM);
            dump.addAll(List.of(
                    "-XX:ArchiveClassesAtExit=" + jsa,
                    "-jar",
                    jar.toString(),
                    "doctor",
                    "--json",
                    "--state-dir",
                    fx.stateDir().toString()));
            fx.ensureRunning();
            fx.checkSaw(doctor(dump));
            List<String> withCds = new ArrayList<>(List.of("java"));
            withCds.addAll(CLI_JVM);
            withCds.addAll(List.of(
                    "-XX:SharedArchiveFile=" + jsa,
                    "-jar",
                    jar.toString(),
                    "doctor",
                    "--json",
                    "--state-dir",
                    fx.stateDir().toString()));
            List<String> noCds = new ArrayList<>(List.of("java"));
            noCds.addAll(CLI_JVM);
            noCds.addAll(List.of(
                    "-jar",
                    jar.toString(),
                    "doctor",
                    "--json",
                    "--state-dir",
                    fx.stateDir().toString()));
            List<String> coldCall = new ArrayList<>(List.of("java"));
            coldCall.addAll(CLI_JVM);
            coldCall.addAll(List.of(
                    "-cp",
                    System.getProperty("java.class.path"),
                    DoctorBenchmark.class.getName(),
                    "--cold-call",
                    fx.stateDir().toString()));
            double[] cold = new double[runs];
            double[] process = new double[runs];
            double[] processNoCds = new double[runs];
            double[] shellNamed = new double[runs];
            double[] shellFull = new double[runs];
            String named = fx.shellSurvey(false);
            String full = fx.shellSurvey(true);
            fx.checkShell(Sh.run(List.of("sh", "-c", full), null).out());
            // Interleaved, so that load from other work on the host falls on every column alike.
            for (int i = 0; i < runs; i++) {
                fx.ensureRunning();
                cold[i] =
                        Double.parseDouble(Sh.run(coldCall, null).check().out().trim());
                long t = System.nanoTime();
                DoctorSurvey.json(fx.stateDir());
                warm[i] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                String report = doctor(withCds);
                process[i] = (System.nanoTime() - t) / 1e6;
                if (!fx.saw(report)) {
                    // The shared engine was restarted under us (another engineer's outage test): redo this round.
                    System.err.println("round " + i + ": the doctor did not see the whole fixture; redoing it");
                    i--;
                    continue;
                }
                t = System.nanoTime();
                doctor(noCds);
                processNoCds[i] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                Sh.run(List.of("sh", "-c", named), null).check();
                shellNamed[i] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                Sh.run(List.of("sh", "-c", full), null).check();
                shellFull[i] = (System.nanoTime() - t) / 1e6;
            }
            print(fx, runs, cold, warm, process, processNoCds, shellNamed, shellFull);
        } finally {
            Files.deleteIfExists(jsa);
        }
    }

    static String doctor(List<String> cmd) throws IOException, InterruptedException {
        Sh.Result r = Sh.run(cmd, null);
        if (r.exit() < 0 || r.exit() > 2) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err());
        }
        return r.out();
    }

    private static void print(
            Fixture fx,
            int runs,
            double[] cold,
            double[] warm,
            double[] process,
            double[] processNoCds,
            double[] shellNamed,
            double[] shellFull) {
        System.out.printf(
                Locale.ROOT,
                "%d named namespaces with a macvlan each, %d running containers; %d runs per row, %d CPUs, load %s%n%n",
                fx.namespaces,
                fx.containers,
                runs,
                Runtime.getRuntime().availableProcessors(),
                load());
        System.out.println(
                "| survey (doctor with --state-dir: N guarded interfaces) | median (ms) | min (ms) | max (ms) |");
        System.out.println("|---|---:|---:|---:|");
        row("doctor in-process, first (cold) call in a fresh JVM (C1, no CDS)", cold);
        row("doctor in-process, warm", warm);
        row("`java -jar hostkit.jar doctor --json`, CDS archive + C1 (as scripts/hostkit)", process);
        row("`java -jar hostkit.jar doctor --json`, C1, no CDS archive", processNoCds);
        row("shell: named namespaces' macvlans, docker ps, /proc", shellNamed);
        row("shell: the same plus every container's namespace (nsenter)", shellFull);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "ratio doctor process (CDS) / shell named-only: %.2f; / shell with containers: %.2f%n",
                median(process) / median(shellNamed),
                median(process) / median(shellFull));
    }

    private static void row(String what, double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |%n", what, median(ms), s[0], s[s.length - 1]);
    }

    static double median(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    static String tag() {
        return TestNames.next("d");
    }

    /** The namespaces, macvlans and containers of one run, all named {@code TAG...}. */
    static final class Fixture {
        final String tag;
        final int namespaces;
        final int containers;
        private final String image;

        Fixture(String tag, int namespaces, int containers, String image) {
            this.tag = tag;
            this.namespaces = namespaces;
            this.containers = containers;
            this.image = image;
        }

        String parent() {
            return tag + "p";
        }

        /** The guardian's state directory of this run. */
        Path stateDir() {
            return Path.of(System.getProperty("java.io.tmpdir"), tag + "-guard");
        }

        void setUp(Path jar) throws Exception {
            Sh.run(List.of("ip", "link", "add", parent(), "type", "veth", "peer", "name", tag + "q"), null)
                    .check();
            Sh.run(List.of("ip", "link", "set", parent(), "up"), null).check();
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < namespaces; i++) {
                batch.append("netns add ").append(tag).append('n').append(i).append('\n');
                batch.append("link add ")
                        .append(tag)
                        .append('m')
                        .append(i)
                        .append(" link ")
                        .append(parent())
                        .append(" type macvlan mode bridge\n");
                batch.append("link set ")
                        .append(tag)
                        .append('m')
                        .append(i)
                        .append(" netns ")
                        .append(tag)
                        .append('n')
                        .append(i)
                        .append('\n');
            }
            Sh.run(List.of("ip", "-batch", "-"), batch.toString()).check();
            startContainers(tag, containers, image);
            // One pass of a real guardian over our parent: the doctor then judges 100 snapshots as well.
            Sh.run(
                            List.of(
                                    "java",
                                    "-jar",
                                    jar.toString(),
                                    "guard",
                                    "--state-dir",
                                    stateDir().toString(),
                                    "--parent",
                                    parent(),
                                    "--once"),
                            null)
                    .check();
        }

        /** Fails unless a doctor report saw every macvlan and every container of the fixture. */
        void checkSaw(String json) {
            if (!saw(json)) {
                throw new IllegalStateException("the doctor did not see the whole fixture: " + json);
            }
        }

        /** Whether a doctor report saw every macvlan, every container and every guarded interface of the fixture. */
        boolean saw(String json) {
            int macvlans = number(json, "\"macvlans\":(\\d+)");
            int running = number(json, "\"running\":(\\d+)");
            int guarded = number(json, "\"snapshots\":(\\d+)");
            int present = 0;
            for (Matcher m = Pattern.compile("\"status\":\"present\"").matcher(json); m.find(); ) {
                present++;
            }
            return macvlans >= namespaces && running >= containers && guarded == namespaces && present == namespaces;
        }

        /**
         * Waits for the engine (up to a minute) and starts any of this run's containers that stopped: the dev engine is
         * shared, and a restart of it kills them.
         */
        void ensureRunning() throws IOException, InterruptedException {
            ensureEngine();
            String stopped = Sh.run(
                            List.of(
                                    DOCKER,
                                    "ps",
                                    "-aq",
                                    "--filter",
                                    "label=hostkit.benchmark=" + tag,
                                    "--filter",
                                    "status=exited"),
                            null)
                    .check()
                    .out()
                    .trim();
            if (!stopped.isEmpty()) {
                List<String> start = new ArrayList<>(List.of(DOCKER, "start"));
                start.addAll(Arrays.asList(stopped.split("\\s+")));
                Sh.run(start, null).check();
            }
        }

        /** Fails unless the shell survey listed every macvlan of the fixture. */
        void checkShell(String out) {
            int n = 0;
            Matcher m = Pattern.compile("\"ifname\":\"" + tag + "m\\d+\"").matcher(out);
            while (m.find()) {
                n++;
            }
            if (n < namespaces) {
                throw new IllegalStateException("the shell survey listed " + n + " of " + namespaces + " macvlans");
            }
        }

        private static int number(String json, String regex) {
            Matcher m = Pattern.compile(regex).matcher(json);
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }

        /**
         * The doctor's survey by shell: kernel, file handles, the macvlans of every named namespace, Docker version and
         * containers, the cgroup controllers; with {@code containers}, also each running container's namespace.
         */
        String shellSurvey(boolean withContainers) {
            String s = "uname -r; cat /proc/sys/fs/file-nr; ip -all netns exec ip -j -d link show type macvlan; "
                    + DOCKER + " version --format '{{json .}}'; " + DOCKER
                    + " ps -a --format '{{json .}}'; cat /proc/cgroups; "
                    + "cat /sys/fs/cgroup/memory/memory.kmem.usage_in_bytes 2>/dev/null; cat " + stateDir()
                    + "/netns-*.json; ";
            if (withContainers) {
                s += "for pid in $(" + DOCKER + " ps -q | xargs " + DOCKER + " inspect -f '{{.State.Pid}}'); do "
                        + "nsenter -t $pid -n ip -j -d link show type macvlan; done; ";
            }
            return s + "true";
        }

        /** Waits up to a minute for the engine to answer, so that a restart of the shared engine does not leave containers. */
        private static void ensureEngine() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (Sh.run(List.of(DOCKER, "version"), null).exit() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
        }

        /** Removes every container, namespace and link of this run; safe to call twice and after a partial set-up. */
        synchronized void cleanUp() {
            try {
                ensureEngine();
                String ids = Sh.run(List.of(DOCKER, "ps", "-aq", "--filter", "label=hostkit.benchmark=" + tag), null)
                        .out()
                        .trim();
                if (!ids.isEmpty()) {
                    List<String> rm = new ArrayList<>(List.of(DOCKER, "rm", "-f", "-v"));
                    rm.addAll(Arrays.asList(ids.split("\\s+")));
                    Sh.run(rm, null);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                System.err.println("cleanup of containers failed: " + e);
            }
            try {
                StringBuilder batch = new StringBuilder();
                try (DirectoryStream<Path> named = Files.newDirectoryStream(Path.of("/var/run/netns"), tag + "*")) {
                    named.forEach(p ->
                            batch.append("netns del ").append(p.getFileName()).append('\n'));
                } catch (IOException e) {
                    // no named namespaces at all
                }
                if (batch.length() > 0) {
                    Sh.run(List.of("ip", "-batch", "-"), batch.toString());
                }
                for (String line :
                        Sh.run(List.of("ip", "-o", "link", "show"), null).out().split("\n")) {
                    String[] f = line.split(":\\s+", 3);
                    if (f.length > 1 && f[1].startsWith(tag)) {
                        Sh.run(List.of("ip", "link", "del", f[1].split("@")[0]), null);
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                System.err.println("cleanup of namespaces and links failed: " + e);
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(stateDir())) {
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
                Files.deleteIfExists(stateDir());
            } catch (IOException e) {
                // no state directory (the set-up stopped before the guardian ran)
            }
        }
    }

    /** Runs a command to its end, collecting its output. */
    static final class Sh {
        private Sh() {}

        /** What a command did. */
        record Result(List<String> cmd, int exit, String out, String err) {
            Result check() {
                if (exit != 0) {
                    throw new IllegalStateException(String.join(" ", cmd) + " exited " + exit + ": " + err.trim());
                }
                return this;
            }
        }

        static Result run(List<String> cmd, String stdin) throws IOException, InterruptedException {
            Path err = Files.createTempFile("doctor-bench", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
                try (var in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int exit = p.waitFor();
                return new Result(cmd, exit, out, Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        }
    }

    /**
     * Starts {@code containers} busybox containers ({@code --network none}, labelled with {@code tag}), several at once:
     * {@code docker run} is mostly waiting on the engine.
     */
    static void startContainers(String tag, int containers, String image) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Sh.Result>> runs = new ArrayList<>();
            for (int i = 0; i < containers; i++) {
                List<String> cmd = List.of(
                        DOCKER,
                        "run",
                        "-d",
                        "--name",
                        tag + "c" + i,
                        "--network",
                        "none",
                        "--label",
                        "hostkit.benchmark=" + tag,
                        image,
                        "sleep",
                        "3600");
                runs.add(pool.submit(() -> Sh.run(cmd, null)));
            }
            for (Future<Sh.Result> f : runs) {
                f.get().check();
            }
        } finally {
            pool.shutdown();
        }
    }
}
