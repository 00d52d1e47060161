package dev.hostkit.guard;

import dev.hostkit.guard.NamespaceSource.Candidate;
import dev.hostkit.guard.NamespaceSource.Look;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessNamespacesTest {
    private static final long DEVICE = 4;

    @TempDir
    Path proc;

    private void process(int pid, long netInode) throws Exception {
        Path ns = Files.createDirectories(proc.resolve(pid + "/ns"));
        Files.createSymbolicLink(ns.resolve("net"), Path.of("net:[" + netInode + "]"));
    }

    @Test
    void onlyNewProcessesAreReadAndAProcessSeenFirstIsReadOnceMore() throws Exception {
        for (int pid = 10; pid < 60; pid++) {
            process(pid, 4026531840L);
        }
        ProcessNamespaces p = new ProcessNamespaces(proc, DEVICE);
        Look first = p.look(false);
        assertThat(first.found()).singleElement().extracting(Candidate::pid).isEqualTo(10);
        assertThat(p.reads()).isEqualTo(50);
        assertThat(p.look(false)).isSameAs(first); // the second read of processes first seen at the last look
        assertThat(p.reads()).isEqualTo(100);
        assertThat(p.look(false)).isSameAs(first);
        assertThat(p.reads()).isEqualTo(100);

        process(7, 4026532999L); // a new container's first process
        Look withContainer = p.look(false);
        assertThat(withContainer.found())
                .extracting(Candidate::pid, c -> c.id().inode(), c -> c.id().device())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(7, 4026532999L, DEVICE),
                        org.assertj.core.groups.Tuple.tuple(10, 4026531840L, DEVICE));
        assertThat(p.reads()).isEqualTo(101);
        assertThat(withContainer.found().get(0).path()).isEqualTo(proc.resolve("7/ns/net"));

        Files.delete(proc.resolve("7/ns/net"));
        Files.delete(proc.resolve("7/ns"));
        Files.delete(proc.resolve("7"));
        assertThat(p.look(false).found()).extracting(Candidate::pid).containsExactly(10);
        assertThat(p.look(true).found()).extracting(Candidate::pid).containsExactly(10);
        assertThat(p.reads()).isEqualTo(101 + 50); // the exited one is not read again
    }

    @Test
    void aReusedPidIsANewProcess() throws Exception {
        process(10, 4026531840L);
        process(20, 4026532001L);
        ProcessNamespaces p = new ProcessNamespaces(proc, DEVICE);
        p.look(false);
        p.look(false);
        assertThat(p.look(false).found()).extracting(c -> c.id().inode()).containsExactly(4026531840L, 4026532001L);
        int reads = p.reads();

        // pid 20 exits and another process gets its number between two looks: a new /proc/20 (a new inode; made
        // before the old one goes, so a file system cannot hand out the same number).
        Path next = Files.createDirectories(proc.resolve("next/ns"));
        Files.createSymbolicLink(next.resolve("net"), Path.of("net:[4026532777]"));
        Files.delete(proc.resolve("20/ns/net"));
        Files.delete(proc.resolve("20/ns"));
        Files.delete(proc.resolve("20"));
        Files.move(proc.resolve("next"), proc.resolve("20"));

        assertThat(p.look(false).found()).extracting(c -> c.id().inode()).containsExactly(4026531840L, 4026532777L);
        assertThat(p.reads()).isEqualTo(reads + 1);
    }

    @Test
    void aLinkThatIsNoNamespaceIsStattedAndAProcessWithoutOneIsNotThere() throws Exception {
        process(10, 4026531840L);
        Files.createDirectories(proc.resolve("11/ns"));
        Files.createSymbolicLink(proc.resolve("11/ns/net"), Path.of("garbage")); // not net:[N]: stat-ed, dangling
        Files.createDirectories(proc.resolve("12")); // exited while listed: no ns/net, simply not there
        ProcessNamespaces p = new ProcessNamespaces(proc, DEVICE);
        Look l = p.look(false);
        assertThat(l.found()).extracting(Candidate::pid).containsExactly(10);
        assertThat(l.errors()).isEmpty(); // a dangling link is gone, as stat says
    }

    @Test
    void aFailureThatRepeatsIsKeptUntilTheRecheckAndTheLookStaysTheSame() throws Exception {
        process(10, 4026531840L);
        Files.createDirectories(proc.resolve("11/ns"));
        // A link to itself: not net:[N], and its stat fails (ELOOP) at every read, as a denied read does for the
        // root the tests run as.
        Files.createSymbolicLink(proc.resolve("11/ns/net"), Path.of("net"));
        ProcessNamespaces p = new ProcessNamespaces(proc, DEVICE);
        Look first = p.look(false);
        assertThat(first.found()).extracting(Candidate::pid).containsExactly(10);
        assertThat(first.errors())
                .singleElement()
                .satisfies(e -> assertThat(e.path()).isEqualTo(proc.resolve("11/ns/net")));
        assertThat(p.reads()).isEqualTo(2);

        assertThat(p.look(false)).isSameAs(first); // both read once more (first seen at the last look), same result
        assertThat(p.reads()).isEqualTo(4);
        assertThat(p.look(false)).isSameAs(first); // the same failure twice: not read again before the recheck
        assertThat(p.reads()).isEqualTo(4);

        // Readable now: found at the recheck, or at once by a thorough look.
        Files.delete(proc.resolve("11/ns/net"));
        Files.createSymbolicLink(proc.resolve("11/ns/net"), Path.of("net:[4026532123]"));
        assertThat(p.look(false)).isSameAs(first);
        Look afresh = p.look(true);
        assertThat(afresh.found()).extracting(Candidate::pid).containsExactly(10, 11);
        assertThat(afresh.errors()).isEmpty();
    }

    @Test
    void processesComingAndGoingInANamespaceAlreadyFoundChangeNothingUnlessItsLowestPidGoes() throws Exception {
        process(10, 4026531840L);
        process(20, 4026532001L);
        ProcessNamespaces p = new ProcessNamespaces(proc, DEVICE);
        Look first = p.look(false);
        assertThat(p.look(false)).isSameAs(first);

        process(30, 4026532001L); // another process of the container
        assertThat(p.look(false)).isSameAs(first);
        assertThat(p.look(false)).isSameAs(first);
        delete(30);
        assertThat(p.look(false)).isSameAs(first);

        process(40, 4026532001L);
        p.look(false);
        delete(20); // the container's first process: it is reached by pid 40 now
        Look moved = p.look(false);
        assertThat(moved).isNotSameAs(first);
        assertThat(moved.found()).extracting(Candidate::pid).containsExactly(10, 40);
    }

    private void delete(int pid) throws Exception {
        Files.delete(proc.resolve(pid + "/ns/net"));
        Files.delete(proc.resolve(pid + "/ns"));
        Files.delete(proc.resolve(Integer.toString(pid)));
    }
}
