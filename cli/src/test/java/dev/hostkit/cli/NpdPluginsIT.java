package dev.hostkit.cli;

import dev.hostkit.guard.GuardianStatus;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import dev.hostkit.testkit.VethPair;
import dev.hostkit.testkit.cgroups.CgroupFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every rule of deploy/node-problem-detector run as NPD runs it: the config parsed as NPD parses it, its argv as a
 * fresh process (the shaded jar with scripts/hostkit's JVM flags in place of /opt/hostkit/bin/hostkit), its timeout,
 * one line of at most max_output_length on stdout, and NPD's exit statuses on three hosts: a healthy one, one whose
 * guarded macvlan was deleted, and a RHEL 7 fixture at 65,500 memory cgroups. The host is seen through HOSTKIT_ROOT,
 * as in NPD's DaemonSet: a directory whose proc and sys lead to this host's, with the guardian's state and the
 * private test engine's socket where the host keeps them.
 */
@HostTest
class NpdPluginsIT {
    private static final Path JAR = Path.of("target", "hostkit.jar");
    /** scripts/hostkit's JVM flags (the CDS archive aside: made on the first run of a jar). */
    private static final List<String> JVM =
            List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xlog:disable", "-Xlog:all=error:stderr");

    @TempDir
    Path dir;

    record Run(int status, String line, long millis) {}

    /** Runs every rule of every config with {@code env} added to this process's environment (DOCKER_HOST taken out). */
    private static Map<String, Run> runAll(Map<String, String> env) throws Exception {
        assertThat(JAR).as("the shaded jar (mvn package runs before the ITs)").exists();
        Map<String, Run> runs = new LinkedHashMap<>();
        for (NpdConfig.Loaded l : NpdConfig.all()) {
            for (NpdConfig.Rule r : l.config().rules()) {
                List<String> argv = new ArrayList<>();
                argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                argv.addAll(JVM);
                argv.addAll(List.of("-jar", JAR.toString()));
                argv.addAll(r.args());
                ProcessBuilder pb = new ProcessBuilder(argv)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
                pb.environment().remove("DOCKER_HOST");
                pb.environment().remove(HostRoot.ENV);
                pb.environment().putAll(env);
                long t0 = System.nanoTime();
                Process p = pb.start();
                byte[] out;
                try {
                    out = p.getInputStream().readAllBytes();
                    boolean done =
                            p.waitFor(r.timeout(l.config().pluginConfig()).toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(done)
                            .as("%s answers within its %s timeout", r.condition(), r.timeout())
                            .isTrue();
                } finally {
                    p.destroyForcibly();
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String text = new String(out, StandardCharsets.UTF_8);
                assertThat(text).as(r.condition()).endsWith("\n");
                String line = text.substring(0, text.length() - 1);
                assertThat(line).as(r.condition()).doesNotContain("\n").isNotBlank();
                assertThat(out.length - 1)
                        .as("%s: %s", r.condition(), line)
                        .isLessThanOrEqualTo(l.config().pluginConfig().maxOutput());
                assertThat(p.exitValue()).as("%s: %s", r.condition(), line).isBetween(0, 2);
                System.out.printf("[npd] %-17s exit %d in %4d ms: %s%n", r.condition(), p.exitValue(), ms, line);
                runs.put(r.condition(), new Run(p.exitValue(), line, ms));
            }
        }
        return runs;
    }

    /** A host root: proc and sys are this host's, the guardian state directory is {@code state}, the engine's socket is the test engine's. */
    private Path hostRoot(Path engineSocket) throws IOException {
        Path root = Files.createDirectories(dir.resolve("host"));
        Files.createSymbolicLink(root.resolve("proc"), Path.of("/proc"));
        Files.createSymbolicLink(root.resolve("sys"), Path.of("/sys"));
        Files.createDirectories(
                root.resolve("var/lib/hostkit/guard"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (engineSocket != null) {
            Files.createDirectories(root.resolve("var/run"));
            Files.createSymbolicLink(root.resolve(NpdCheck.DOCKER_SOCKET), engineSocket);
        }
        return root;
    }

    /** The private engine of scripts/test (never the system socket), or null. */
    private static Path testEngineSocket() {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || !host.startsWith("unix://")) {
            return null;
        }
        Path s = Path.of(host.substring("unix://".length())).normalize();
        return s.equals(Path.of("/var/run/docker.sock")) || s.equals(Path.of("/run/docker.sock")) || !Files.exists(s)
                ? null
                : s;
    }

    @Test
    void aHealthyHostThenAGuardedMacvlanDeletedWhileItsParentStays(TestNetns ns, VethPair parent) throws Exception {
        Path engine = testEngineSocket();
        Path root = hostRoot(engine);
        String name = TestNames.next("m");
        Sh.run("ip", "link", "add", name, "link", parent.hostName(), "type", "macvlan", "mode", "bridge");
        Sh.run("ip", "link", "set", name, "netns", ns.name());
        ns.exec("ip", "link", "set", name, "up");
        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(root.resolve(NpdCheck.GUARD_STATE_DIR))
                .parents(Set.of(parent.hostName()))
                .namespaces(NamespaceSource.of(List.of(ns.path())))
                .build()) {
            g.reconcileOnce();
            assertThat(g.snapshots()).hasSize(1);
        }

        Map<String, Run> healthy = runAll(Map.of(HostRoot.ENV, root.toString()));

        assertThat(healthy.get("MacvlanLost"))
                .extracting(Run::status, Run::line)
                .containsExactly(0, "1 guarded macvlan(s) present");
        assertThat(healthy.get("MemcgIdPressure").status())
                .as(healthy.get("MemcgIdPressure").line())
                .isZero();
        assertThat(healthy.get("MemcgIdPressure").line()).contains("memcg IDs left");
        if (engine != null) {
            assertThat(healthy.get("DockerEngineDown")).extracting(Run::status).isEqualTo(0);
            assertThat(healthy.get("DockerEngineDown").line()).startsWith("Docker Engine answers");
        } else {
            System.out.println("[npd] no private engine (DOCKER_HOST): DockerEngineDown seen only as down");
            assertThat(healthy.get("DockerEngineDown").status()).isEqualTo(1);
        }
        assertThat(healthy.get("DockerSocketLeak").status())
                .as(healthy.get("DockerSocketLeak").line())
                .isZero();

        ns.exec("ip", "link", "del", name);
        Map<String, Run> lost = runAll(Map.of(HostRoot.ENV, root.toString()));

        assertThat(lost.get("MacvlanLost").status()).isEqualTo(1);
        assertThat(lost.get("MacvlanLost").line())
                .startsWith(name + " missing in net:[")
                .endsWith("(parent " + parent.hostName() + " present)");
        assertThat(lost.get("MemcgIdPressure").status()).isZero();
    }

    @Test
    void besideARunningGuardianMacvlanLostSaysWhatTheGuardianPublishes(TestNetns ns, VethPair parent) throws Exception {
        Path root = hostRoot(null);
        String name = TestNames.next("m");
        Sh.run("ip", "link", "add", name, "link", parent.hostName(), "type", "macvlan", "mode", "bridge");
        Sh.run("ip", "link", "set", name, "netns", ns.name());
        ns.exec("ip", "link", "set", name, "up");
        Path state = root.resolve(NpdCheck.GUARD_STATE_DIR);
        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(state)
                .parents(Set.of(parent.hostName()))
                .namespaces(NamespaceSource.of(List.of(ns.path())))
                .warmUp(0)
                .build()) {
            g.start();
            awaitFile(state.resolve(GuardianStatus.FILE));

            Run healthy = runAll(Map.of(HostRoot.ENV, root.toString())).get("MacvlanLost");
            assertThat(healthy)
                    .extracting(Run::status, Run::line)
                    .containsExactly(
                            0,
                            "1 guarded macvlan(s) present (guardian pid "
                                    + ProcessHandle.current().pid() + ")");

            // The parent's driver unloads: the kernel takes the macvlan with it; the guardian waits for the parent.
            Sh.run("ip", "link", "del", parent.hostName());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (GuardianStatus.ofRunningGuardian(state)
                    .orElseThrow()
                    .missing()
                    .isEmpty()) {
                assertThat(System.nanoTime())
                        .as("the status shows the loss within 10 s")
                        .isLessThan(deadline);
                Thread.sleep(10);
            }
            Run waiting = runAll(Map.of(HostRoot.ENV, root.toString())).get("MacvlanLost");
            assertThat(waiting.status()).isEqualTo(1);
            assertThat(waiting.line())
                    .isEqualTo(name + " in net:["
                            + Files.readAttributes(ns.path(), "unix:ino").get("ino") + "] waits for parent "
                            + parent.hostName());
        }
    }

    private static void awaitFile(Path f) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(f)) {
            assertThat(System.nanoTime()).as("%s within 10 s", f).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void aRhel7FixtureAt65500MemoryCgroupsIsUnderPressureAndTheRestCannotLookOrFindsNoEngine() throws Exception {
        // 5 live cgroups (root, kubepods, QoS, pod, container) and 65,495 dying: 35 IDs left.
        Path root = CgroupFixture.kernel310KmemNearlyFull().dying(65_495).build(dir.resolve("el7"));

        Map<String, Run> runs = runAll(Map.of(HostRoot.ENV, root.toString()));

        assertThat(runs.get("MemcgIdPressure").status()).isEqualTo(1);
        assertThat(runs.get("MemcgIdPressure").line()).startsWith("CRITICAL: ").contains("65495 dying");
        assertThat(runs.get("MacvlanLost").status())
                .as("no guardian state under the root: cannot look")
                .isEqualTo(2);
        assertThat(runs.get("DockerEngineDown").status())
                .as("no engine socket under the root")
                .isEqualTo(1);
        assertThat(runs.get("DockerSocketLeak").status())
                .as("no engine socket under the root: cannot look")
                .isEqualTo(2);
    }
}
