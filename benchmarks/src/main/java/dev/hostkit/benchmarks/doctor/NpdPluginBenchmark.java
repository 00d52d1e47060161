package dev.hostkit.benchmarks.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.guard.GuardianStatus;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Start-up of each node-problem-detector plugin as deployed: the command line of every rule in the NPD configs
 * (deploy/node-problem-detector/*.json: its path and args, exactly), run as NPD runs it (a fresh process, stdin
 * closed, {@code HOSTKIT_ROOT} set as the DaemonSet sets it, no {@code DOCKER_HOST}) against one or more installs made
 * by deploy/install-hostkit.sh, whose {@code /opt/hostkit} prefix is the only thing replaced. Beside them: the bare JVM
 * and the doctor's own full survey ({@code hostkit doctor --json}). {@code MacvlanLost} runs three times: on an empty
 * guardian state, and on a host whose guardian keeps one macvlan (in a test namespace, on a test veth), stopped (the
 * plugin looks into the namespace) and running (the plugin reads the guardian's published status). Wall time (median, min) and CPU time of the child
 * (user+sys from this process's cutime/cstime), every command of every install interleaved round by round.
 *
 * <p>Usage: {@code NpdPluginBenchmark CONFIG_DIR ROUNDS LABEL=PREFIX...}; {@code DOCKER_HOST} must name a private
 * engine: its socket is linked into the host root the plugins see, as NPD's DaemonSet mounts the host's at /host.
 */
public final class NpdPluginBenchmark {
    /** The install prefix the NPD configs name. */
    private static final String DEPLOYED_PREFIX = "/opt/hostkit/";
    /** The guardian's state directory under the host root (deploy/systemd/hostkit-guard.service). */
    private static final String GUARD_STATE_DIR = "var/lib/hostkit/guard";

    private NpdPluginBenchmark() {}

    /** One command to time: its argv and the environment changes for it. */
    private record Command(String name, List<String> argv, Map<String, String> env) {}

    public static void main(String[] args) throws Exception {
        Path configDir = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Map<String, Path> installs = new LinkedHashMap<>();
        for (String a : Arrays.asList(args).subList(2, args.length)) {
            int eq = a.indexOf('=');
            installs.put(a.substring(0, eq), Path.of(a.substring(eq + 1)));
        }
        String host = System.getenv("DOCKER_HOST");
        if (host == null
                || !host.startsWith("unix:///")
                || host.endsWith("/var/run/docker.sock")
                || host.endsWith("/run/docker.sock")) {
            throw new IllegalStateException("set DOCKER_HOST to a private engine, not the system socket");
        }
        Path engine = Path.of(host.substring("unix://".length()));
        Path root = hostRoot("hk-npd-" + ProcessHandle.current().pid(), engine);
        Path guardedRoot = hostRoot("hk-npdg-" + ProcessHandle.current().pid(), engine);
        Path runningRoot = hostRoot("hk-npdr-" + ProcessHandle.current().pid(), engine);
        try {
            GuardedMacvlan guarded = new GuardedMacvlan(guardedRoot.resolve(GUARD_STATE_DIR), false);
            GuardedMacvlan running = null;
            try {
                running = new GuardedMacvlan(runningRoot.resolve(GUARD_STATE_DIR), true);
                run(configDir, rounds, installs, root, guardedRoot, runningRoot);
            } finally {
                if (running != null) {
                    running.close();
                }
                guarded.close();
            }
        } finally {
            deleteTree(root);
            deleteTree(guardedRoot);
            deleteTree(runningRoot);
        }
    }

    private static void run(
            Path configDir, int rounds, Map<String, Path> installs, Path root, Path guardedRoot, Path runningRoot)
            throws Exception {
        String host = System.getenv("DOCKER_HOST");
        List<Command> commands = new ArrayList<>();
        for (Map.Entry<String, Path> install : installs.entrySet()) {
            String label = install.getKey();
            Path prefix = install.getValue();
            Map<String, String> npdEnv = new LinkedHashMap<>();
            npdEnv.put("HOSTKIT_ROOT", root.toString());
            npdEnv.put("DOCKER_HOST", null); // NPD's DaemonSet sets none: the checks use the socket under the root
            Map<String, String> guardedEnv = new LinkedHashMap<>(npdEnv);
            guardedEnv.put("HOSTKIT_ROOT", guardedRoot.toString());
            Map<String, String> runningEnv = new LinkedHashMap<>(npdEnv);
            runningEnv.put("HOSTKIT_ROOT", runningRoot.toString());
            for (List<String> rule : npdCommandLines(configDir)) {
                List<String> argv = new ArrayList<>(rule);
                argv.set(0, deployed(argv.get(0), prefix));
                String check = rule.get(rule.indexOf("--check") + 1);
                if (check.equals("MacvlanLost")) {
                    commands.add(new Command(label + ": MacvlanLost, empty guardian state", argv, npdEnv));
                    commands.add(new Command(
                            label + ": MacvlanLost, 1 guarded macvlan, guardian stopped", argv, guardedEnv));
                    commands.add(new Command(
                            label + ": MacvlanLost, 1 guarded macvlan, guardian running", argv, runningEnv));
                } else {
                    commands.add(new Command(label + ": " + check, argv, npdEnv));
                }
            }
            commands.add(new Command(
                    label + ": java -version (the JVM alone)",
                    List.of(
                            prefix.resolve("jre/bin/java").toString(),
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-XX:-UsePerfData",
                            "-version"),
                    Map.of()));
            commands.add(new Command(
                    label + ": doctor --json (the doctor's full survey)",
                    List.of(prefix.resolve("bin/hostkit").toString(), "doctor", "--json"),
                    Map.of("DOCKER_HOST", host)));
        }
        Map<String, double[]> wall = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        Map<String, String> lastLine = new LinkedHashMap<>();
        for (Command c : commands) {
            wall.put(c.name(), new double[rounds]);
            cpu.put(c.name(), new double[rounds]);
        }
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        for (int r = -1; r < rounds; r++) { // round -1 warms the page cache
            for (Command c : commands) {
                ProcessBuilder pb = new ProcessBuilder(c.argv())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
                c.env().forEach((k, v) -> {
                    if (v == null) {
                        pb.environment().remove(k);
                    } else {
                        pb.environment().put(k, v);
                    }
                });
                long[] c0 = childTicks();
                long t0 = System.nanoTime();
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes());
                int status = p.waitFor();
                double ms = (System.nanoTime() - t0) / 1e6;
                long[] c1 = childTicks();
                if (r >= 0) {
                    wall.get(c.name())[r] = ms;
                    cpu.get(c.name())[r] = (c1[0] - c0[0] + c1[1] - c0[1]) * 10.0; // USER_HZ 100
                }
                lastLine.put(
                        c.name(),
                        "exit " + status + ": " + out.lines().findFirst().orElse(""));
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
        System.out.println("| command | median wall (ms) | min wall (ms) | median CPU (ms) | last answer |");
        System.out.println("|---|---:|---:|---:|---|");
        for (Command c : commands) {
            String k = c.name();
            System.out.printf(
                    "| %s | %.0f | %.0f | %.0f | %s |%n",
                    k,
                    median(wall.get(k)),
                    Arrays.stream(wall.get(k)).min().orElse(0),
                    median(cpu.get(k)),
                    k.contains("doctor --json")
                            ? lastLine.get(k).replaceAll(":.*", "")
                            : lastLine.get(k).replace("|", "/"));
        }
        System.out.println("load average before: " + loadBefore + "; after: " + loadAfter + "; rounds: " + rounds
                + "; installs: " + installs + "; host roots: " + root + ", " + guardedRoot);
    }

    /** Every rule's command line in the NPD configs: path, then args, exactly as NPD execs them. */
    static List<List<String>> npdCommandLines(Path configDir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<List<String>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(configDir)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode rule : json.readTree(f.toFile()).path("rules")) {
                    List<String> argv = new ArrayList<>();
                    argv.add(rule.path("path").asText());
                    rule.path("args").forEach(a -> argv.add(a.asText()));
                    out.add(argv);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no NPD rules in " + configDir);
        }
        return out;
    }

    /** A config's path with the deployed prefix replaced by an install's. */
    private static String deployed(String path, Path prefix) {
        if (!path.startsWith(DEPLOYED_PREFIX)) {
            throw new IllegalStateException(path + " is not under " + DEPLOYED_PREFIX);
        }
        return prefix.resolve(path.substring(DEPLOYED_PREFIX.length())).toString();
    }

    /**
     * The host as NPD's DaemonSet shows it at {@code HOSTKIT_ROOT} (deploy/node-problem-detector/README.md): /proc and
     * /sys, an empty guardian state directory (mode 0700, as systemd's StateDirectory=) and the engine's socket.
     */
    private static Path hostRoot(String name, Path engineSocket) throws IOException {
        // Short, as /host is: the engine check names the socket in its 80 characters.
        Path root = Files.createDirectory(Path.of("/tmp", name));
        Files.createSymbolicLink(root.resolve("proc"), Path.of("/proc"));
        Files.createSymbolicLink(root.resolve("sys"), Path.of("/sys"));
        Path guard = Files.createDirectories(root.resolve(GUARD_STATE_DIR));
        Files.setPosixFilePermissions(guard, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(root.resolve("var/run"));
        Files.createSymbolicLink(root.resolve("var/run/docker.sock"), engineSocket);
        return root;
    }

    /**
     * One guarded macvlan, as on a node the guardian serves: a test namespace, a test veth in this namespace as the
     * parent, a macvlan on it moved into the namespace, and the guardian's state of it from one reconcile pass; with
     * {@code running}, a guardian (this process's build) keeps guarding it, holding the directory's lock and
     * publishing its status, as the node's daemon does.
     */
    private static final class GuardedMacvlan implements AutoCloseable {
        private final String ns = TestNames.next("ns");
        private final String parent = TestNames.next("v");
        private final String macvlan = TestNames.next("m");
        private MacvlanGuardian daemon;

        GuardedMacvlan(Path stateDir, boolean running) throws IOException {
            try {
                Sh.run("ip", "netns", "add", ns);
                Sh.run("ip", "link", "add", parent, "type", "veth", "peer", "name", TestNames.next("p"));
                Sh.run("ip", "link", "set", parent, "up");
                Sh.run("ip", "link", "add", macvlan, "link", parent, "type", "macvlan", "mode", "bridge");
                Sh.run("ip", "link", "set", macvlan, "netns", ns);
                Sh.run("ip", "-n", ns, "link", "set", macvlan, "up");
                try (MacvlanGuardian g = MacvlanGuardian.builder()
                        .stateDir(stateDir)
                        .parents(Set.of(parent))
                        .namespaces(NamespaceSource.of(List.of(Path.of("/run/netns", ns))))
                        .build()) {
                    g.reconcileOnce();
                    if (g.snapshots().size() != 1) {
                        throw new IllegalStateException("the guardian keeps " + g.snapshots() + ", not " + macvlan);
                    }
                }
                if (running) {
                    daemon = MacvlanGuardian.builder()
                            .stateDir(stateDir)
                            .parents(Set.of(parent))
                            .namespaces(NamespaceSource.of(List.of(Path.of("/run/netns", ns))))
                            .warmUp(0)
                            .build();
                    daemon.start();
                    awaitStatus(stateDir);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        private static void awaitStatus(Path stateDir) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(stateDir.resolve(GuardianStatus.FILE))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the running guardian published no status in 10 s");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public void close() {
            if (daemon != null) {
                daemon.close();
            }
            Sh.exec("ip", "link", "del", parent); // and its peer
            Sh.exec("ip", "netns", "del", ns); // and the macvlan in it
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) { // symbolic links are not followed
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** cutime and cstime of this process (children waited for), in clock ticks. */
    private static long[] childTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[13]), Long.parseLong(f[14])}; // fields 16 and 17 of proc(5)
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
