package dev.hostkit.testkit;

import dev.hostkit.core.ProcFs;
import dev.hostkit.core.NetNamespace;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The JUnit 5 extension behind {@link HostTest}: resolves {@link TestNetns}, {@link VethPair} (in the
 * host namespace) and {@link DockerEngine} parameters, closes what it made after each test (also on
 * failure), then checks that nothing made by the test is left: fds and threads return to their count
 * before the test (allowing 5 s to settle), and no link, namespace or container carries this run's
 * {@link TestNames#RUN_PREFIX}. Leftovers of this run are removed and reported as a failure.
 *
 * <p>Use it through {@link HostTest}; registering it directly is the same minus the {@code host} tag:
 * <pre>{@code
 * @ExtendWith(HostTestExtension.class)
 * class VethIT {
 *     @Test
 *     void pairIsUp(VethPair veth) {
 *         assertThat(Sh.run("ip", "-o", "link", "show", veth.hostName())).contains("state UP");
 *     }
 * }
 * }</pre>
 */
public final class HostTestExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(HostTestExtension.class);
    // Threads a JVM starts on its own or that hostkit pools on purpose (idle namespace workers retire after 30 s).
    private static final List<String> IGNORED_THREAD_PREFIXES = List.of(
            "hostkit-netns-", "hostkit-testkit-drain", "JNA Cleaner", "process reaper", "Common-Cleaner", "Attach Listener",
            "ForkJoinPool", "surefire", "junit", "Notification Thread", "Signal Dispatcher", "Finalizer",
            "Reference Handler");

    // fds as "number -> what it points at": a new fd is one whose number or target is new, so an fd the test leaks
    // is caught even when some other fd (a collected process pipe) closed meanwhile and the count stayed equal.
    private static final java.nio.file.Path OWN_FD_DIR = java.nio.file.Path.of("/proc/" + ProcessHandle.current().pid() + "/fd");

    private record Baseline(Set<String> fds, Set<String> threads) {
    }

    // Process-wide, once-only state (JNA's native library and cleaner, hostkit's namespace pool and its
    // home-namespace fd) is created before the first baseline so that it is not mistaken for a leak.
    @Override
    public void beforeAll(ExtensionContext context) {
        if (Prerequisites.isRoot()) {
            try (NetNamespace self = NetNamespace.current()) {
                self.run(() -> null);
            } catch (RuntimeException e) {
                // The tests themselves will report what is wrong with namespaces here.
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        store.put("resources", new ArrayDeque<AutoCloseable>());
        // Prerequisites are checked here, not while resolving parameters: JUnit turns an abort during
        // parameter resolution into an error, while an abort here is a proper skip.
        List<Class<?>> wanted = context.getTestMethod().map(m -> List.of(m.getParameterTypes())).orElse(List.of());
        if (wanted.contains(DockerEngine.class)) {
            store.put("engine", DockerEngine.fromEnvironment());
        }
        if (wanted.contains(TestNetns.class) || wanted.contains(VethPair.class)) {
            Prerequisites.requireRoot();
            Prerequisites.requireCommand("ip");
        }
        if (checks(context)) {
            System.gc();
            store.put("baseline", new Baseline(openFds(), threadNames()));
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> t = pc.getParameter().getType();
        return t == TestNetns.class || t == VethPair.class || t == DockerEngine.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> t = pc.getParameter().getType();
        if (t == DockerEngine.class) {
            DockerEngine engine = ec.getStore(NS).get("engine", DockerEngine.class);
            return engine != null ? engine : DockerEngine.fromEnvironment();
        }
        @SuppressWarnings("unchecked")
        Deque<AutoCloseable> resources = ec.getStore(NS).get("resources", Deque.class);
        AutoCloseable made = t == TestNetns.class ? TestNetns.create() : VethPair.create(null, null);
        resources.push(made);
        return made;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        ExtensionContext.Store store = context.getStore(NS);
        @SuppressWarnings("unchecked")
        Deque<AutoCloseable> resources = store.get("resources", Deque.class);
        // Close everything even when one close fails; the first failure is rethrown after the leak check.
        Exception closeFailure = null;
        while (resources != null && !resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (closeFailure == null) {
                    closeFailure = e;
                } else {
                    closeFailure.addSuppressed(e);
                }
            }
        }
        List<String> leftovers = new ArrayList<>(removeLeftoverNamesOfThisRun());
        Baseline before = store.get("baseline", Baseline.class);
        if (before != null) {
            leftovers.addAll(settledFdAndThreadLeaks(before));
        }
        if (!leftovers.isEmpty() && context.getExecutionException().isEmpty()) {
            throw new AssertionError("test left resources behind: " + String.join("; ", leftovers));
        }
        if (closeFailure != null) {
            throw closeFailure;
        }
    }

    private static boolean checks(ExtensionContext context) {
        return context.getTestClass()
                .map(c -> c.getAnnotation(HostTest.class))
                .map(HostTest::checkFdsAndThreads)
                .orElse(true);
    }

    private static List<String> settledFdAndThreadLeaks(Baseline before) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            System.gc();
            Set<String> newFds = new TreeSet<>(openFds());
            newFds.removeAll(before.fds());
            Set<String> extra = new TreeSet<>(threadNames());
            extra.removeAll(before.threads());
            if ((newFds.isEmpty() && extra.isEmpty()) || System.nanoTime() > deadline) {
                List<String> out = new ArrayList<>();
                if (!newFds.isEmpty()) {
                    out.add(newFds.size() + " fd(s) opened by the test and still open " + newFds);
                }
                if (!extra.isEmpty()) {
                    out.add("threads " + extra);
                }
                return out;
            }
            Thread.sleep(50);
        }
    }

    private static Set<String> openFds() {
        Set<String> fds = new TreeSet<>();
        java.nio.file.Path dir = java.nio.file.Path.of("/proc/self/fd");
        try (java.nio.file.DirectoryStream<java.nio.file.Path> entries = java.nio.file.Files.newDirectoryStream(dir)) {
            for (java.nio.file.Path fd : entries) {
                try {
                    java.nio.file.Path target = java.nio.file.Files.readSymbolicLink(fd);
                    if (!target.equals(OWN_FD_DIR)) { // the listing's own fd
                        fds.add(fd.getFileName() + " -> " + target);
                    }
                } catch (java.io.IOException closedMeanwhile) {
                    // the listing's own fd, or one closed while listing
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("list " + dir, e);
        }
        return fds;
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> IGNORED_THREAD_PREFIXES.stream().noneMatch(n::startsWith))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    // Links and namespaces are global: only this JVM's names are checked, so parallel runs don't clash.
    private static List<String> removeLeftoverNamesOfThisRun() {
        List<String> found = new ArrayList<>();
        if (!Prerequisites.isRoot() || Sh.which("ip") == null) {
            return found;
        }
        for (String line : Sh.exec("ip", "-o", "link", "show").stdout().split("\n")) {
            String[] f = line.split(": ");
            if (f.length > 1) {
                String name = f[1].split("@")[0];
                if (TestNames.ours(name)) {
                    found.add("link " + name);
                    Sh.exec("ip", "link", "del", name);
                }
            }
        }
        for (String line : Sh.exec("ip", "netns", "list").stdout().split("\n")) {
            String name = line.split(" ")[0];
            if (!name.isEmpty() && TestNames.ours(name)) {
                found.add("netns " + name);
                Sh.exec("ip", "netns", "del", name);
            }
        }
        String host = System.getenv("DOCKER_HOST");
        if (host != null && host.startsWith("unix://") && Sh.which("docker") != null) {
            Sh.Result ps = Sh.exec("docker", "-H", host, "ps", "-aq", "--filter", "label=" + DockerEngine.LABEL + "=" + TestNames.RUN_PREFIX);
            for (String id : ps.stdout().split("\\s+")) {
                if (!id.isBlank()) {
                    found.add("container " + id);
                    Sh.exec("docker", "-H", host, "rm", "-f", "-v", id);
                }
            }
        }
        return found;
    }
}
