package dev.hostkit.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

// core cannot use the testkit (it depends on core), so this test makes its namespace with `ip` itself.
class NetNamespaceIT {
    private final String name = "hkcore" + ProcessHandle.current().pid() % 100000;
    private final String link = name + "x";

    @BeforeEach
    void createNamespaceWithALink() throws Exception {
        boolean root = Files.readString(Path.of("/proc/self/status"))
                .lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        if (!root && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true: NetNamespaceIT needs root");
        }
        assumeTrue(root, "needs root to create a network namespace");
        sh("ip", "netns", "add", name);
        sh("ip", "-n", name, "link", "add", link, "type", "veth", "peer", "name", link + "p");
    }

    @AfterEach
    void removeNamespace() throws Exception {
        sh("ip", "netns", "del", name);
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0 && !cmd[cmd.length - 1].startsWith("hkcore")) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
    }

    private static List<String> links() throws IOException {
        List<String> names = new ArrayList<>();
        for (String l : Files.readAllLines(Path.of("/proc/thread-self/net/dev"))) {
            int colon = l.indexOf(':');
            if (colon > 0) {
                names.add(l.substring(0, colon).strip());
            }
        }
        return names;
    }

    @Test
    void runExecutesInsideTheNamespaceAndLeavesCallerWhereItWas() throws Exception {
        NetNamespace.NsId callerBefore = NetNamespace.idOf(Path.of("/proc/thread-self/ns/net"));
        try (NetNamespace ns = NetNamespace.named(name)) {
            List<String> inside = ns.run(NetNamespaceIT::links);
            assertThat(inside).contains("lo", link, link + "p");
            assertThat(links()).doesNotContain(link);
            NetNamespace.NsId seenInside = ns.run(() -> NetNamespace.idOf(Path.of("/proc/thread-self/ns/net")));
            assertThat(seenInside).isEqualTo(ns.id()).isNotEqualTo(callerBefore);
        }
        assertThat(NetNamespace.idOf(Path.of("/proc/thread-self/ns/net"))).isEqualTo(callerBefore);
    }

    @Test
    void taskExceptionIsRethrownAndWorkerReturnsHome() {
        try (NetNamespace ns = NetNamespace.named(name);
                NetNamespace home = NetNamespace.current()) {
            assertThatThrownBy(() -> ns.run(() -> {
                        throw new IOException("boom inside");
                    }))
                    .isInstanceOf(IOException.class)
                    .hasMessage("boom inside");
            // Every pooled worker is back home: a task on the pool without setns sees the host's links.
            for (int i = 0; i < 20; i++) {
                assertThat(home.run(() -> NetNamespace.idOf(Path.of("/proc/thread-self/ns/net"))))
                        .isEqualTo(home.id());
            }
        }
    }

    @Test
    void thousandRunsLeaveFdCountUnchanged() throws Exception {
        try (NetNamespace ns = NetNamespace.named(name)) {
            runMany(ns, 100); // warm up the worker pool and the classes on this path
            Set<String> before = openFds();
            runMany(ns, 1000);
            // The test JVM (Failsafe's reporter, class loading) may open an fd of its own meanwhile:
            // compare the fds by target and let such unrelated ones settle before judging.
            Set<String> extra = new TreeSet<>();
            for (int i = 0; i < 40; i++) {
                extra = new TreeSet<>(openFds());
                extra.removeAll(before);
                if (extra.isEmpty()) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(extra).as("fds opened by 1,000 run calls").isEmpty();
        }
    }

    private static void runMany(NetNamespace ns, int n) {
        for (int i = 0; i < n; i++) {
            int v = i;
            ns.run(() -> v);
        }
    }

    private static Set<String> openFds() throws IOException {
        Set<String> fds = new TreeSet<>();
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                try {
                    fds.add(p.getFileName() + "->" + Files.readSymbolicLink(p));
                } catch (IOException gone) {
                    // the fd used for this listing itself, closed by now
                }
            }
        }
        return fds;
    }

    @Test
    void concurrentRunsFromManyThreadsEachSeeTheirNamespace() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(16);
        try (NetNamespace ns = NetNamespace.named(name);
                NetNamespace host = NetNamespace.current()) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                NetNamespace target = i % 2 == 0 ? ns : host;
                results.add(callers.submit(() -> target.run(() ->
                        NetNamespace.idOf(Path.of("/proc/thread-self/ns/net")).equals(target.id()))));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void missingPathGivesErrorNamingThePath() {
        assertThatThrownBy(() -> NetNamespace.open(Path.of("/var/run/netns/hk-no-such-ns")))
                .isInstanceOf(NativeException.class)
                .hasMessage("open(/var/run/netns/hk-no-such-ns): ENOENT (No such file or directory)");
    }

    @Test
    void fileThatIsNotANamespaceIsRefused() {
        assertThatThrownBy(() -> NetNamespace.open(Path.of("/proc/self/status")))
                .isInstanceOf(NativeException.class)
                .hasMessage("open network namespace(/proc/self/status): EINVAL (Invalid argument)");
    }

    @Test
    void namespaceOfAnotherTypeIsRefused() {
        assertThatThrownBy(() -> NetNamespace.open(Path.of("/proc/self/ns/uts")))
                .isInstanceOf(NativeException.class)
                .hasMessage("open network namespace(/proc/self/ns/uts): EINVAL (Invalid argument)");
    }

    @Test
    void closedNamespaceRefusesRun() {
        NetNamespace ns = NetNamespace.named(name);
        ns.close();
        ns.close();
        assertThatThrownBy(() -> ns.run(() -> null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void sameNamespaceByPidAndPathHasSameIdentity() {
        try (NetNamespace self =
                        NetNamespace.ofPid((int) ProcessHandle.current().pid());
                NetNamespace current = NetNamespace.current()) {
            assertThat(self.id()).isEqualTo(current.id());
        }
    }
}
