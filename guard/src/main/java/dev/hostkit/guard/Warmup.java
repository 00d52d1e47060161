package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.RtNetlink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The start-up warm-up: runs the guardian's real repair path (host link event, loss, recreation, addresses, routes,
 * announcements, event, state write) some rounds on a lab of its own, so a daemon's first real repair finds its
 * classes loaded and its code compiled. The lab is unnamed network namespaces (a veth parent in one, a macvlan on
 * it in each of up to {@link #MAX_BOXES} others) and a temporary state directory: nothing else is touched, and closing the namespaces takes every
 * link, address and route of the lab with them, on every path (a killed process too: nothing refers to them by name).
 */
final class Warmup {
    /** The lab's parent and its veth peer, in the lab's own "host" namespace. */
    static final String PARENT = "hkwarmp";

    static final String PEER = "hkwarmq";
    /** The guarded macvlan, in the lab's "container" namespace. */
    static final String CHILD = "eth1";

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
    /** The lab's state directory's name, in the guardian's state directory, starts so. */
    static final String DIR_PREFIX = "warm-up-";
    /** At most this many guarded namespaces in the lab. */
    static final int MAX_BOXES = 10;
    /** How many labs were made in this process (tests: a disabled warm-up makes none). */
    static final AtomicInteger LABS = new AtomicInteger();

    private Warmup() {}

    /**
     * Runs {@code repairs} repairs through the repair path: up to {@link #MAX_BOXES} guarded namespaces, their parent
     * bounced as often as it takes (a veth's deletion waits for the kernel's RCU grace periods, so one bounce repairs
     * several interfaces).
     *
     * @param repairs how many repairs, at least 1
     * @param announce the guardian's announcement plan, followed in the lab (later rounds on the shared ticker, as after
     *     a real repair; those still due when the warm-up ends are stopped)
     * @param stateDir the guardian's own (locked) state directory: the lab's state goes to a {@value #DIR_PREFIX}
     *     directory in it, the one place a daemon with a read-only root file system may write; the loader ignores it
     * @return how long it took
     * @throws RuntimeException whatever failed, after everything made was removed
     */
    static Duration run(int repairs, Announcement announce, Path stateDir) {
        return run(repairs, announce, stateDir, step -> {});
    }

    /** As {@link #run(int, Announcement, Path)}, telling {@code step} each step's name (tests fail it there). */
    static Duration run(int repairs, Announcement announce, Path stateDir, Consumer<String> step) {
        if (repairs < 1) {
            throw new IllegalArgumentException("warm-up repairs must be at least 1, was " + repairs);
        }
        long t0 = System.nanoTime();
        Path dir;
        try {
            removeLeftovers(stateDir);
            // Not Files.createTempDirectory: its random name would load the JDK's security providers (SecureRandom)
            // into the daemon for good. The state directory is this guardian's, locked, and its leftovers just went.
            dir = Files.createDirectory(
                    stateDir.resolve(DIR_PREFIX + ProcessHandle.current().pid() + "-" + System.nanoTime()),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("warm-up: cannot make its temporary state directory: " + e.getMessage(), e);
        }
        List<NetNamespace> boxes = new ArrayList<>();
        try (NetNamespace home = NetNamespace.createUnnamed();
                RtNetlink homeNl = RtNetlink.open(home)) {
            LABS.incrementAndGet();
            step.accept("lab");
            loadParent(homeNl);
            for (int i = 0; i < Math.min(repairs, MAX_BOXES); i++) {
                boxes.add(NetNamespace.createUnnamed());
                giveMacvlan(homeNl, boxes.get(i));
            }
            step.accept("macvlan");
            int bounces = (repairs + boxes.size() - 1) / boxes.size();
            bounce(bounces, announce, dir, home, boxes, homeNl, step);
        } catch (RuntimeException e) {
            closeAll(boxes, e);
            try {
                deleteTree(dir);
            } catch (RuntimeException left) {
                e.addSuppressed(left);
            }
            throw e;
        }
        closeAll(boxes, null);
        deleteTree(dir);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static void closeAll(List<NetNamespace> boxes, RuntimeException pending) {
        for (NetNamespace b : boxes) {
            try {
                b.close();
            } catch (RuntimeException e) {
                if (pending == null) {
                    throw e;
                }
                pending.addSuppressed(e);
            }
        }
    }

    private static void bounce(
            int bounces,
            Announcement announce,
            Path dir,
            NetNamespace home,
            List<NetNamespace> boxes,
            RtNetlink homeNl,
            Consumer<String> step) {
        BlockingQueue<GuardEvent> events = new LinkedBlockingQueue<>();
        ThreadPoolExecutor workers =
                new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "hostkit-guard-warmup");
                    t.setDaemon(true);
                    return t;
                });
        try (SnapshotStore store = new SnapshotStore(dir);
                StateWriter writer = new StateWriter(store, new GuardCounters());
                GuardNet.Host host = GuardNet.host(home);
                Announcer announcer = new Announcer(announce)) {
            try {
                GuardContext ctx = new GuardContext(
                        Set.of(PARENT),
                        host,
                        GuardNet.tagFor(dir),
                        new GuardCounters(),
                        writer,
                        workers,
                        e -> {
                            e.toJsonLine(); // what the daemon's listener does with every event
                            events.add(e);
                        },
                        () -> {});
                try {
                    Reconciler reconciler = new Reconciler(ctx, new Repairer(ctx, announcer));
                    HostLinkFastPath fastPath = new HostLinkFastPath(ctx, reconciler, new VlanParentKeeper(ctx, false));
                    GuardNet.HostLinks links = host.links();
                    fastPath.knownNow(links);
                    for (NetNamespace box : boxes) {
                        reconciler.sync(
                                new NamespaceSource.Candidate(box.id(), 0, Path.of("/proc/self/fd/" + box.fd())),
                                links,
                                null);
                    }
                    await(events, Type.SNAPSHOT, boxes.size());
                    // A real repair first waits for its namespace's state to be on disk (a guardian killed mid-repair
                    // must leave the snapshot behind); the lab dies with the process, so its repairs need not wait.
                    ctx.guarded.values().forEach(g -> g.onDisk = true);
                    step.accept("snapshot");
                    try (HostLinkFeed feed = new HostLinkFeed(host, fastPath::onHostLink, () -> {})) {
                        for (int r = 0; r < bounces; r++) {
                            homeNl.deleteLink(PARENT); // the kernel deletes the macvlans with it
                            await(events, Type.LOST, boxes.size());
                            step.accept("lost");
                            loadParent(homeNl);
                            await(events, Type.REPAIRED, boxes.size());
                            step.accept("repaired");
                        }
                    }
                    ctx.closed = true;
                } finally {
                    stop(workers); // before the writer closes: the last repair's state write may be on its way
                    // Each guarded namespace's kept session pins a lab namespace: it goes with the lab.
                    ctx.guarded.values().forEach(g -> g.withLock(g::closeSession));
                }
            } finally {
                stop(workers);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("warm-up: cannot use its temporary state directory " + dir, e);
        } finally {
            stop(workers);
        }
    }

    private static void stop(ThreadPoolExecutor workers) {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // The next `n` events of `type`; any failure event, or too few in time, ends the warm-up.
    private static void await(BlockingQueue<GuardEvent> events, Type type, int n) {
        for (int i = 0; i < n; i++) {
            await(events, type);
        }
    }

    // The next event of `type`; any failure event, or none in time, ends the warm-up.
    private static void await(BlockingQueue<GuardEvent> events, Type type) {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (true) {
            GuardEvent e;
            try {
                e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("warm-up interrupted while waiting for a '" + type + "' event", ie);
            }
            if (e == null) {
                throw new IllegalStateException(
                        "warm-up: no '" + type + "' event within " + STEP_TIMEOUT.toSeconds() + " s");
            }
            if (e.type() == type) {
                return;
            }
            if (e.type() == Type.REPAIR_FAILED || e.type() == Type.CONFLICT || e.type() == Type.REFUSED) {
                throw new IllegalStateException("warm-up repair did not succeed: " + e.toJsonLine());
            }
        }
    }

    private static void loadParent(RtNetlink homeNl) {
        homeNl.createLink(LinkSpec.veth(PARENT, PEER, null).up());
        homeNl.setUp(homeNl.link(PEER).orElseThrow().index(), true);
    }

    // What a container's macvlan looks like: IPv4 and IPv6 (no DAD) addresses, default routes of both families and an
    // on-link route in another table (documentation and unique-local prefixes; the lab has no way out).
    private static void giveMacvlan(RtNetlink homeNl, NetNamespace box) {
        int parent = homeNl.link(PARENT).orElseThrow().index();
        Link mv = homeNl.createLink(
                LinkSpec.macvlan(CHILD, parent, MacvlanMode.BRIDGE).up().inNamespace(box));
        try (RtNetlink in = RtNetlink.open(box)) {
            in.batch()
                    .addAddress(Address.of(mv.index(), "192.0.2.2/24"))
                    .addAddress(Address.of(mv.index(), "fd00:686b::2/64").withFlags(AddressFlag.NODAD))
                    .executeOrThrow();
            in.batch()
                    .addRoute(Route.defaultRoute(AddressFamily.INET)
                            .via("192.0.2.1")
                            .dev(mv.index()))
                    .addRoute(Route.defaultRoute(AddressFamily.INET6)
                            .via("fd00:686b::1")
                            .dev(mv.index()))
                    .addRoute(Route.to("198.51.100.0/24")
                            .via("192.0.2.254")
                            .dev(mv.index())
                            .onlink()
                            .withTable(100))
                    .executeOrThrow();
        }
    }

    // A guardian killed during its warm-up left its lab's state directory (the namespaces went with the process).
    private static void removeLeftovers(Path stateDir) throws IOException {
        try (Stream<Path> entries = Files.list(stateDir)) {
            for (Path p : entries.toList()) {
                if (p.getFileName().toString().startsWith(DIR_PREFIX)
                        && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(p);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("warm-up: cannot remove its temporary state directory " + dir, e);
        }
    }
}
