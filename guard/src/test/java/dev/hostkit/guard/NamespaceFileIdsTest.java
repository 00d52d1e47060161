package dev.hostkit.guard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class NamespaceFileIdsTest {
    @TempDir
    Path tmp;

    @Test
    void keptIdentitiesAreWhatStatSaysThroughReplacementRemovalAndLooks() throws Exception {
        Path a = Files.createFile(tmp.resolve("a"));
        Path b = Files.createFile(tmp.resolve("b"));
        NamespaceFileIds ids = new NamespaceFileIds();
        for (int look = 0; look < 3; look++) {
            assertThat(ids.idOf(a)).isEqualTo(NamespaceSource.stat(a));
            assertThat(ids.idOf(b)).isEqualTo(NamespaceSource.stat(b));
            ids.lookDone();
        }
        // Replaced under the same name (a new inode, as `ip netns del` then `add` gives): the new identity.
        Files.delete(a);
        Path kept = Files.createFile(tmp.resolve("keep-the-old-inode-busy"));
        Files.createFile(a);
        assertThat(ids.idOf(a)).isEqualTo(NamespaceSource.stat(a)).isNotEqualTo(NamespaceSource.stat(b));
        // A name the same file is reached by twice (a second bind mount) has its identity too.
        Path link = Files.createSymbolicLink(tmp.resolve("link"), b);
        assertThat(ids.idOf(link)).isEqualTo(NamespaceSource.stat(b));
        Files.delete(b);
        assertThat(ids.idOf(b)).isNull();
        assertThat(ids.idOf(tmp.resolve("never"))).isNull();
        ids.lookDone();
        assertThat(ids.idOf(kept)).isEqualTo(NamespaceSource.stat(kept));
    }
}
