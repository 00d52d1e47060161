package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.Route;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The guardian never acts in its own (the host's) network namespace, whatever a snapshot says: a snapshot of the
 * host namespace handed to it past the loader, with its parent bouncing every 50 ms for 5 s, is refused once, by
 * name, and {@code ip monitor} sees no link, address or route of it appear.
 */
@HostTest
class HostNamespaceRefusalIT {
    @TempDir
    Path state;

    private static InterfaceSnapshot hostSnapshot(NamespaceRef ref, String name, String parent) {
        return new InterfaceSnapshot(
                ref,
                4242,
                name,
                MacAddress.parse("02:77:00:00:00:99"),
                1500,
                MacvlanMode.BRIDGE,
                true,
                new HostParent.Existing(parent),
                1,
                List.of(Address.of(4242, "10.77.0.99/24")),
                List.of(Route.to("192.168.177.0/24").via("10.77.0.1").dev(4242)),
                0);
    }

    private static NamespaceRef hostRef(long cookie) {
        NsId host = NetNamespace.idOf(Path.of("/proc/self/ns/net"));
        return new NamespaceRef(host.device(), host.inode(), cookie, 0, Path.of("/proc/self/ns/net"));
    }

    @Test
    void refusesTheHostNamespaceOnceWhileItsParentBouncesAndNothingAppearsThere() throws Exception {
        String name = TestNames.next("rel");
        List<GuardEvent> events = new CopyOnWriteArrayList<>();
        Process monitor = new ProcessBuilder("ip", "-o", "monitor", "link", "address", "route")
                .redirectErrorStream(true)
                .start();
        StringBuilder seen = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = monitor.getInputStream()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (seen) {
                        seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (Exception e) {
                // the monitor was stopped
            }
        });
        reader.start();
        AtomicBoolean bouncing = new AtomicBoolean(true);
        String parentName;
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create()) {
            parentName = parent.name();
            Thread.sleep(200); // the monitor is listening
            try (MacvlanGuardian g = MacvlanGuardian.builder()
                    .stateDir(state)
                    .parents(Set.of(parent.name()))
                    .namespaces(NamespaceSource.of(List.of()))
                    .resync(Duration.ofMillis(100))
                    .listener(events::add)
                    .build()) {
                g.adopt(new NamespaceState(hostRef(0), List.of(hostSnapshot(hostRef(0), name, parent.name()))));
                g.start();
                Thread bouncer = new Thread(() -> {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (System.nanoTime() < end && bouncing.get()) {
                        parent.unload();
                        sleep(25);
                        parent.load();
                        sleep(25);
                    }
                });
                bouncer.start();
                bouncer.join();
                Thread.sleep(300);
                assertThat(g.snapshots()).isEmpty();
            }
        } finally {
            bouncing.set(false);
            monitor.destroy();
            monitor.waitFor(5, TimeUnit.SECONDS);
            reader.join(5_000);
            Sh.exec("ip", "link", "del", name);
        }
        String log;
        synchronized (seen) {
            log = seen.toString();
        }
        assertThat(log)
                .as("the monitor saw the parent bounce")
                .contains("Deleted")
                .contains(parentName);
        assertThat(log.lines()
                        .filter(l -> l.contains(name)
                                || l.contains("10.77.0.99")
                                || l.contains("192.168.177.")
                                || l.contains("02:77:00:00:00:99")
                                || l.contains(" hkt")))
                .isEmpty();
        assertThat(events).filteredOn(e -> e.type() != Type.REFUSED).isEmpty();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.iface()).isEqualTo(name);
            assertThat(e.reason()).contains("host's own network namespace");
        });
    }

    @Test
    void theRepairerRefusesTheHostNamespaceByIdentityWhateverThePath() throws Exception {
        try (GuardTestNet.Parent parent = GuardTestNet.Parent.create();
                GuardNet.Host host = GuardNet.host()) {
            GuardContext ctx =
                    new GuardContext(Set.of(), host, "abcdef", new GuardCounters(), null, null, null, () -> {});
            Repairer repairer = new Repairer(ctx);
            String name = TestNames.next("rel");
            int parentIndex = host.links().indexOf(parent.name());
            // Not by path: /proc/PID/ns/net and /proc/thread-self/ns/net lead there too.
            for (Path path : List.of(
                    Path.of("/proc/self/ns/net"),
                    Path.of("/proc/" + ProcessHandle.current().pid() + "/ns/net"),
                    Path.of("/proc/thread-self/ns/net"))) {
                try (GuardNet.Ns ns = GuardNet.open(path, host.namespace())) {
                    assertThatThrownBy(() ->
                                    repairer.recreate(ns, hostSnapshot(hostRef(0), name, parent.name()), parentIndex))
                            .isInstanceOf(Repairer.HostNamespaceException.class)
                            .hasMessageContaining(name);
                }
            }
            assertThat(Sh.exec("ip", "link", "show", name).ok()).isFalse();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
