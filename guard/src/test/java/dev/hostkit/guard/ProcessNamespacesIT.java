package dev.hostkit.guard;

import dev.hostkit.core.ProcFs;
import dev.hostkit.guard.NamespaceSource.Candidate;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@HostTest
class ProcessNamespacesIT {
    private static Process inNewNamespace() throws Exception {
        // unshare(1) without --fork: the command runs as the same pid, in a network namespace of its own.
        Process p = new ProcessBuilder("unshare", "-n", "sleep", "60").start();
        Path link = Path.of("/proc/" + p.pid() + "/ns/net");
        long own = NamespaceSource.stat(Path.of("/proc/self/ns/net")).inode();
        for (int i = 0;
                i < 200
                        && (NamespaceSource.statId(link) == null
                                || NamespaceSource.statId(link).inode() == own);
                i++) {
            Thread.sleep(10);
        }
        return p;
    }

    private static void stop(Process p) throws Exception {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void aNewContainersNamespaceIsFoundAtTheNextLook() throws Exception {
        NamespaceSource source = NamespaceSource.processes(ProcFs.system());
        NamespaceScan scan = (NamespaceScan) source;
        scan.look(null, false);
        scan.look(null, false);
        Process p = inNewNamespace();
        try {
            Path link = Path.of("/proc/" + p.pid() + "/ns/net");
            List<Candidate> found = scan.look(null, false).found();
            assertThat(found)
                    .filteredOn(c -> c.id().equals(NamespaceSource.statId(link)))
                    .singleElement()
                    .satisfies(c -> {
                        assertThat(c.pid()).isEqualTo((int) p.pid());
                        assertThat(c.path()).isEqualTo(link);
                    });
        } finally {
            stop(p);
        }
    }

    @Test
    void aReusedPidIsReadAgainAtTheNextLook() throws Exception {
        // Pid reuse on demand: ns_last_pid makes the next fork take the number just freed (as CRIU restores pids).
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        ProcessNamespaces processes = new ProcessNamespaces(Path.of("/proc"), NamespaceScan.NSFS_DEVICE);
        List<Process> spare = new ArrayList<>();
        Process first = inNewNamespace();
        int pid = (int) first.pid();
        Process second = null;
        try (TestNetns other = TestNetns.create()) {
            Path firstLink = Path.of("/proc/" + pid + "/ns/net");
            var firstId = NamespaceSource.stat(firstLink);
            processes.look(false);
            processes.look(false);
            assertThat(processes.look(false).found()).anyMatch(c -> c.id().equals(firstId) && c.pid() == pid);
            stop(first);
            for (int attempt = 0; attempt < 50 && second == null; attempt++) {
                Files.writeString(lastPid, Integer.toString(pid - 1));
                Process p = new ProcessBuilder("ip", "netns", "exec", other.name(), "sleep", "60").start();
                if (p.pid() == pid) {
                    second = p;
                } else {
                    spare.add(p);
                }
            }
            assertThat(second).as("a process with the freed pid %d", pid).isNotNull();
            Path link = Path.of("/proc/" + pid + "/ns/net");
            for (int i = 0; i < 200 && !sameNs(link, other.path()); i++) {
                Thread.sleep(10); // ip netns exec enters the namespace, then execs sleep
            }
            var secondId = NamespaceSource.stat(other.path());
            List<Candidate> found = processes.look(false).found();
            assertThat(found).anyMatch(c -> c.id().equals(secondId) && c.pid() == pid);
            assertThat(found).noneMatch(c -> c.id().equals(firstId));
        } finally {
            stop(first);
            if (second != null) {
                stop(second);
            }
            for (Process p : spare) {
                stop(p);
            }
        }
    }

    private static boolean sameNs(Path a, Path b) {
        var x = NamespaceSource.statId(a);
        return x != null && x.equals(NamespaceSource.statId(b));
    }
}
