package dev.hostkit.guard;

import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.HostTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The start-up warm-up leaves nothing anywhere: no namespace (its unnamed ones are gone: no fd or thread of this
 * process refers to them), no link or address in the host's namespace, no named namespace, no temporary state
 * directory (in the guardian's state directory), no thread, whether it runs through or fails at any step; and a guardian without it makes no lab at all.
 */
@HostTest
class WarmupIT {
    @TempDir
    Path state;

    /** Everything of this process and the host that the warm-up could have left. */
    private record Footprint(
            Set<String> netnsRefs,
            Set<String> sockets,
            Set<String> namedNetns,
            Set<String> hostLinks,
            Set<String> tempDirs,
            Set<String> threads) {
        static Footprint now(Path stateDir) throws IOException {
            Set<String> refs = new TreeSet<>();
            Set<String> sockets = new TreeSet<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                fds.forEach(fd -> link(fd).ifPresent(t -> {
                    if (t.startsWith("net:[")) {
                        refs.add(t);
                    } else if (t.startsWith("socket:[")) {
                        sockets.add(t); // a socket keeps its namespace alive
                    }
                }));
            }
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                tasks.forEach(t -> link(t.resolve("ns/net")).ifPresent(refs::add));
            }
            Set<String> named = new TreeSet<>();
            if (Files.isDirectory(Path.of("/var/run/netns"))) {
                try (Stream<Path> ns = Files.list(Path.of("/var/run/netns"))) {
                    // As "net:[inode]": other programs add and remove named namespaces meanwhile; none may be the
                    // lab's.
                    ns.forEach(n -> {
                        try {
                            named.add("net:[" + Files.getAttribute(n, "unix:ino") + "]");
                        } catch (IOException | RuntimeException gone) {
                            // removed while listed
                        }
                    });
                }
            }
            Set<String> links = new TreeSet<>();
            try (RtNetlink host = RtNetlink.open()) {
                for (Link l : host.links()) {
                    if (l.name().startsWith("hkwarm")
                            || GuardNet.TEMP_NAME.matcher(l.name()).matches()) {
                        links.add(l.name());
                    }
                }
            }
            Set<String> temps = new TreeSet<>();
            try (Stream<Path> t = Files.list(stateDir)) {
                t.filter(p -> p.getFileName().toString().startsWith(Warmup.DIR_PREFIX))
                        .forEach(p -> temps.add(p.toString()));
            }
            Set<String> threads = new TreeSet<>();
            Thread.getAllStackTraces().keySet().stream()
                    .filter(x -> x.getName().startsWith("hostkit-guard-warmup")
                            || x.getName().equals("hostkit-guard-host-links")
                            || x.getName().equals("hostkit-netns-unshare"))
                    .forEach(x -> threads.add(x.getName()));
            return new Footprint(refs, sockets, named, links, temps, threads);
        }

        private static java.util.Optional<String> link(Path p) {
            try {
                return java.util.Optional.of(Files.readSymbolicLink(p).toString());
            } catch (IOException | UnsupportedOperationException gone) {
                return java.util.Optional.empty(); // an fd or thread that ended while listed
            }
        }
    }

    /** The namespaces this process referred to at any step of a warm-up, beyond those it had before. */
    private final Set<String> labSeen = new TreeSet<>();

    private void lookAtTheLab(Footprint before) {
        try {
            Set<String> now = new TreeSet<>(Footprint.now(state).netnsRefs());
            now.removeAll(before.netnsRefs());
            labSeen.addAll(now);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // Threads end asynchronously after their pools shut down; everything else is checked at once.
    private void assertLeftAsBefore(Footprint before) throws Exception {
        Footprint after = Footprint.now(state);
        for (int i = 0; i < 100 && !after.threads().isEmpty(); i++) {
            Thread.sleep(20);
            after = Footprint.now(state);
        }
        assertThat(after.threads()).isEmpty();
        assertThat(after.netnsRefs()).isEqualTo(before.netnsRefs());
        assertThat(after.sockets()).isSubsetOf(before.sockets());
        for (String lab : labSeen) {
            assertThat(after.namedNetns()).doesNotContain(lab);
        }
        assertThat(after.hostLinks()).isEmpty();
        assertThat(after.tempDirs()).isEqualTo(before.tempDirs());
    }

    @Test
    void aWarmUpRepairsInItsOwnLabAndLeavesNothingBehind() throws Exception {
        Footprint before = Footprint.now(state);
        List<String> steps = new ArrayList<>();
        List<Set<String>> labRefs = new ArrayList<>();
        Warmup.run(12, Announcement.DEFAULT, state, s -> {
            steps.add(s);
            lookAtTheLab(before);
            if (s.equals("macvlan")) {
                try {
                    labRefs.add(Footprint.now(state).netnsRefs());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertThat(steps).containsExactly("lab", "macvlan", "snapshot", "lost", "repaired", "lost", "repaired");
        // The lab existed (its "host" and 10 guarded namespaces, held by this process) and is gone now.
        Set<String> lab = new TreeSet<>(labRefs.get(0));
        lab.removeAll(before.netnsRefs());
        assertThat(lab).hasSize(1 + Warmup.MAX_BOXES);
        assertLeftAsBefore(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lab", "macvlan", "snapshot", "lost", "repaired"})
    void aWarmUpThatFailsAtAnyStepLeavesNothingBehindAndSaysWhy(String failAt) throws Exception {
        Footprint before = Footprint.now(state);
        assertThatThrownBy(() -> Warmup.run(2, Announcement.DEFAULT, state, s -> {
                    lookAtTheLab(before);
                    if (s.equals(failAt)) {
                        throw new IllegalStateException("injected failure at " + s);
                    }
                }))
                .hasMessage("injected failure at " + failAt);
        assertLeftAsBefore(before);
    }

    @Test
    void aLabDirectoryLeftByAKilledGuardianIsRemovedByTheNextWarmUp() throws Exception {
        Path left = Files.createDirectory(state.resolve(Warmup.DIR_PREFIX + "123"));
        Files.writeString(left.resolve("netns-1-2.json"), "{}");
        Footprint before = Footprint.now(state);
        Warmup.run(1, Announcement.OFF, state);
        assertThat(left).doesNotExist();
        assertThat(before.tempDirs()).containsExactly(left.toString());
        Footprint after = Footprint.now(state);
        assertThat(after.tempDirs()).isEmpty();
        assertThat(after.netnsRefs()).isEqualTo(before.netnsRefs());
    }

    @Test
    void aGuardianWithoutWarmUpMakesNoLabAndOneWithItMakesOneAndCleansUp() throws Exception {
        Footprint before = Footprint.now(state);
        int labs = Warmup.LABS.get();
        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(state.resolve("off"))
                .namespaces(NamespaceSource.of(List.of()))
                .build()) {
            g.start();
        }
        assertThat(Warmup.LABS.get()).isEqualTo(labs);
        try (MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(state.resolve("on"))
                .namespaces(NamespaceSource.of(List.of()))
                .warmUp(2)
                .build()) {
            g.start();
            assertThat(Warmup.LABS.get()).isEqualTo(labs + 1);
        }
        assertLeftAsBefore(before);
        try (Stream<Path> left = Files.list(state.resolve("on"))) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(Warmup.DIR_PREFIX));
        }
    }
}
