package dev.hostkit.testkit;

import dev.hostkit.core.NetNamespace;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
public final class HostTestExtension
        implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(HostTestExtension.class);
    // Threads a JVM starts on its own or that hostkit pools on purpose (idle namespace workers retire after 30 s).
    private static final List<String> IGNORED_THREAD_PREFIXES = List.of(
            "hostkit-netns-",
            "hostkit-testkit-drain",
            "JNA Cleaner",
            "process reaper",
            "Common-Cleaner",
            "Attach Listener",
            "ForkJoinPool",
            "surefire",
            "junit",
            "Notification Thread",
            "Signal Dispatcher",
            "Finalizer",
            "Reference Handler");

    // fds: number -> what /proc/self/fd says it is (socket:[1234], pipe:[5678], anon_inode:[eventpoll], a path).
    private record Baseline(Map<Integer, String> fds, Set<String> threads) {}

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
        List<Class<?>> wanted =
                context.getTestMethod().map(m -> List.of(m.getParameterTypes())).orElse(List.of());
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
            Map<Integer, String> fds = openFds();
            Set<String> extra = new TreeSet<>(threadNames());
            extra.removeAll(before.threads());
            if ((fds.size() <= before.fds().size() && extra.isEmpty()) || System.nanoTime() > deadline) {
                List<String> out = new ArrayList<>();
                if (fds.size() > before.fds().size()) {
                    out.add(fdLeak(before.fds(), fds));
                }
                if (!extra.isEmpty()) {
                    out.add("threads " + extra);
                }
                return out;
            }
            Thread.sleep(50);
        }
    }

    // Names what is open now that was not before: a new fd number, or a number reused for another file.
    static String fdLeak(Map<Integer, String> before, Map<Integer, String> now) {
        List<String> opened = now.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .filter(e -> !e.getValue().equals(before.get(e.getKey())))
                .map(e -> "fd " + e.getKey() + " " + e.getValue())
                .toList();
        return (now.size() - before.size()) + " fd(s) more than before the test (" + before.size() + " -> " + now.size()
                + "), open now and not before: " + String.join(", ", opened);
    }

    // Every open fd with its /proc/self/fd target, less the one this listing uses.
    static Map<Integer, String> openFds() {
        Path dir = Path.of("/proc/self/fd");
        String listing = "/proc/" + ProcessHandle.current().pid() + "/fd";
        Map<Integer, String> out = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                try {
                    String target = Files.readSymbolicLink(e).toString();
                    if (!target.equals(listing)) {
                        out.put(Integer.parseInt(e.getFileName().toString()), target);
                    }
                } catch (IOException closedMeanwhile) {
                    // closed between listing and reading: not open any more
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + dir, e);
        }
        return out;
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
            Sh.Result ps = Sh.exec(
                    "docker",
                    "-H",
                    host,
                    "ps",
                    "-aq",
                    "--filter",
                    "label=" + DockerEngine.LABEL + "=" + TestNames.RUN_PREFIX);
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
