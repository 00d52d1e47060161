package dev.hostkit.guard;

import dev.hostkit.core.ProcFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NamespaceSourceTest {
    @TempDir
    Path root;

    private Path nsFile(String pid) throws Exception {
        Path p = root.resolve("proc").resolve(pid).resolve("ns");
        Files.createDirectories(p);
        return p.resolve("net");
    }

    @Test
    void processesAreDeduplicatedByIdentityKeepingTheLowestPid() throws Exception {
        Path a = Files.writeString(nsFile("300"), "a");
        Files.createLink(nsFile("12"), a);
        Path b = Files.writeString(nsFile("40"), "b");
        Files.createDirectories(root.resolve("proc/99")); // exited while we looked: no ns/net
        Files.createDirectories(root.resolve("proc/self"));

        List<NamespaceSource.Candidate> found =
                NamespaceSource.processes(ProcFs.at(root)).discover();

        assertThat(found).extracting(NamespaceSource.Candidate::pid).containsExactlyInAnyOrder(12, 40);
        assertThat(found).extracting(NamespaceSource.Candidate::id).doesNotHaveDuplicates();
        assertThat(found)
                .filteredOn(c -> c.pid() == 40)
                .first()
                .extracting(NamespaceSource.Candidate::path)
                .isEqualTo(b);
    }

    @Test
    void unionPrefersTheFirstSourceAndExplicitPathsNameTheirPid() throws Exception {
        Path a = Files.writeString(nsFile("300"), "a");
        Path named = Files.createDirectories(root.resolve("netns"));
        Files.createLink(named.resolve("web"), a);
        Files.writeString(named.resolve("db"), "db");

        List<NamespaceSource.Candidate> found = NamespaceSource.union(
                        NamespaceSource.named(named), NamespaceSource.processes(ProcFs.at(root)))
                .discover();

        assertThat(found).hasSize(2);
        assertThat(found).extracting(c -> c.path().getFileName().toString()).containsExactlyInAnyOrder("web", "db");
        assertThat(NamespaceSource.of(List.of(a, root.resolve("missing"))).discover())
                .singleElement()
                .extracting(NamespaceSource.Candidate::pid)
                .isEqualTo(300);
        assertThat(NamespaceSource.named(root.resolve("nope")).discover()).isEmpty();
    }

    @Test
    void processLinksAreReadWithoutOpeningTheNamespace() throws Exception {
        // /proc/PID/ns/net is a link whose text names the inode; every namespace file is on the one nsfs device.
        Files.createSymbolicLink(nsFile("7"), Path.of("net:[4026539999]"));
        Files.createSymbolicLink(nsFile("8"), Path.of("net:[4026539999]"));

        List<NamespaceSource.Candidate> found =
                NamespaceSource.processes(ProcFs.at(root)).discover();

        assertThat(found).singleElement().satisfies(c -> {
            assertThat(c.pid()).isEqualTo(7);
            assertThat(c.id().inode()).isEqualTo(4026539999L);
            assertThat(c.id().device())
                    .isEqualTo(
                            NamespaceSource.statId(Path.of("/proc/self/ns/net")).device());
        });
    }
}
