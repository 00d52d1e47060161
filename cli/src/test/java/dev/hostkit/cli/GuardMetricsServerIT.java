package dev.hostkit.cli;

import dev.hostkit.cli.GuardMetricsServerTest.Exposition;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestJvm;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code hostkit guard --metrics-address} as deployed: a child JVM guarding a macvlan in a test namespace, its parent
 * (a veth end) bounced, scraped over HTTP by a real client.
 */
@HostTest
class GuardMetricsServerIT {
    @TempDir
    Path state;

    @Test
    void servesTheRepairOfABouncedParentToAScraper(TestNetns ns) throws Exception {
        String parent = TestNames.next("par");
        String peer = TestNames.next("peer");
        loadParent(parent, peer);
        Process guard = null;
        try {
            giveMacvlan(ns, parent);
            MetricsAddress address = MetricsAddress.parse("127.0.0.1:" + freePort());
            guard = new ProcessBuilder(TestJvm.command(
                            List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                            Hostkit.class,
                            "guard",
                            "--state-dir",
                            state.toString(),
                            "--parent",
                            parent,
                            "--netns",
                            ns.path().toString(),
                            "--resync-seconds",
                            "0.3",
                            "--announce",
                            "0",
                            "--metrics-address",
                            address.toString()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            List<String> events = follow(guard);
            await(events, "\"event\":\"snapshot\"");

            Exposition before = Exposition.parse(scrape(address));
            assertThat(before.samples())
                    .containsEntry("hostkit_guard_interfaces_guarded", 1.0)
                    .containsEntry("hostkit_guard_repairs_total{result=\"ok\"}", 0.0)
                    .containsEntry("hostkit_guard_lost_total", 0.0);

            Sh.run("ip", "link", "del", parent); // the driver unload: the kernel deletes the macvlan
            await(events, "\"event\":\"lost\"");
            assertThat(Exposition.parse(scrape(address)).samples())
                    .containsEntry("hostkit_guard_interfaces_missing", 1.0)
                    .containsEntry("hostkit_guard_lost_total", 1.0);
            loadParent(parent, peer);
            await(events, "\"event\":\"repaired\"");

            Exposition after = Exposition.parse(scrape(address));
            assertThat(after.samples())
                    .containsEntry("hostkit_guard_repairs_total{result=\"ok\"}", 1.0)
                    .containsEntry("hostkit_guard_repairs_total{result=\"failed\"}", 0.0)
                    .containsEntry("hostkit_guard_lost_total", 1.0)
                    .containsEntry("hostkit_guard_interfaces_guarded", 1.0)
                    .containsEntry("hostkit_guard_interfaces_missing", 0.0)
                    .containsEntry("hostkit_guard_state_file_errors_total", 0.0);
            assertThat(after.samples().get("hostkit_guard_last_repair_seconds")).isBetween(0.0, 5.0);
            assertThat(after.samples().get("hostkit_guard_last_repair_seconds")).isPositive();
            assertThat(after.types())
                    .containsEntry("hostkit_guard_repairs", "counter")
                    .containsEntry("hostkit_guard_lost", "counter")
                    .containsEntry("hostkit_guard_interfaces_missing", "gauge")
                    .containsEntry("hostkit_guard_last_repair_seconds", "gauge");
            assertThat(ns.exec("ip", "-d", "-o", "link", "show", "eth1"))
                    .contains("macvlan")
                    .contains("UP");

            // The server's threads, as the kernel names them (15 characters): three, and the JDK's names gone.
            List<String> threads = threadNames(guard.pid());
            assertThat(threads.stream().filter(t -> t.equals("hostkit-metrics")))
                    .hasSize(3);
            assertThat(threads).doesNotContain("HTTP-Dispatcher", "idle-timeout-ta", "req-rsp-timeout");

            guard.destroy(); // SIGTERM
            assertThat(guard.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(guard.exitValue()).isZero();
            assertThatThrownBy(() -> scrape(address)).isInstanceOf(ConnectException.class);
        } finally {
            if (guard != null) {
                guard.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Sh.exec("ip", "link", "del", parent);
        }
    }

    @Test
    void aPrivilegedPortWithoutTheCapabilityIsOneLineAndNothingStarts() throws Exception {
        Path dir = state.resolve("guard");
        List<String> cmd = new ArrayList<>(
                List.of("setpriv", "--inh-caps=-net_bind_service", "--bounding-set=-net_bind_service", "--"));
        cmd.addAll(TestJvm.command(
                List.of(), Hostkit.class, "guard", "--state-dir", dir.toString(), "--metrics-address", "127.0.0.1:81"));
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err)
                .isEqualTo("hostkit guard: cannot serve metrics on 127.0.0.1:81: permission denied (port 81 is"
                        + " privileged: it needs root or CAP_NET_BIND_SERVICE)\n");
        assertThat(dir).doesNotExist();
    }

    private static void loadParent(String parent, String peer) {
        Sh.run("ip", "link", "add", parent, "type", "veth", "peer", "name", peer);
        Sh.run("ip", "link", "set", parent, "up");
        Sh.run("ip", "link", "set", peer, "up");
    }

    private static void giveMacvlan(TestNetns ns, String parent) {
        String tmp = TestNames.next("mv");
        Sh.run("ip", "link", "add", tmp, "link", parent, "type", "macvlan", "mode", "bridge");
        try {
            Sh.run("ip", "link", "set", tmp, "netns", ns.name());
        } catch (RuntimeException e) {
            Sh.exec("ip", "link", "del", tmp);
            throw e;
        }
        ns.exec("ip", "link", "set", tmp, "name", "eth1");
        ns.exec("ip", "addr", "add", "10.77.0.2/24", "dev", "eth1");
        ns.exec("ip", "link", "set", "eth1", "up");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String scrape(MetricsAddress address) throws IOException, InterruptedException {
        GuardMetricsServerTest.Scrape s = GuardMetricsServerTest.scrape(address, "text/plain");
        assertThat(s.status()).isEqualTo(200);
        return s.body();
    }

    private static List<String> follow(Process p) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            lines.add(line);
                        }
                    } catch (IOException e) {
                        // the child is gone
                    }
                },
                "hk-test-guard-stdout");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static void await(List<String> events, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (events.stream().noneMatch(e -> e.contains(what))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 60 s; events: " + events);
            }
            Thread.sleep(20);
        }
    }

    private static List<String> threadNames(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(t -> {
                        try {
                            return Files.readString(t.resolve("comm")).strip();
                        } catch (IOException e) {
                            return ""; // the thread ended meanwhile
                        }
                    })
                    .toList();
        }
    }
}
