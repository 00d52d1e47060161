package dev.hostkit.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The leak check's fd report: which fd was left open, by what /proc/self/fd says it is. */
class HostTestExtensionTest {
    @TempDir
    Path dir;

    @Test
    void openFdsNamesFilesAndSocketsByTheirProcTarget() throws Exception {
        Path file = Files.writeString(dir.resolve("kept-open"), "x");
        Map<Integer, String> before = HostTestExtension.openFds();
        try (FileChannel f = FileChannel.open(file);
                ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Map<Integer, String> now = HostTestExtension.openFds();
            assertThat(now.values()).contains(file.toString()).anyMatch(t -> t.matches("socket:\\[\\d+]"));
            assertThat(HostTestExtension.fdLeak(before, now))
                    // The JVM may open a file of its own meanwhile (it reads its cgroup's memory limit): at least 2.
                    .containsPattern("^\\d+ fd\\(s\\) more than before the test \\(" + before.size() + " -> \\d+\\)")
                    .contains(file.toString())
                    .containsPattern("fd \\d+ socket:\\[\\d+]");
        }
        assertThat(HostTestExtension.openFds()).doesNotContainValue(file.toString());
    }

    @Test
    void anFdNumberReusedForAnotherFileCountsAsOpened() {
        Map<Integer, String> before = Map.of(3, "/dev/null", 4, "pipe:[77]");
        Map<Integer, String> now = Map.of(3, "/dev/null", 4, "socket:[1234]", 5, "/tmp/hk-x");
        assertThat(HostTestExtension.fdLeak(before, now))
                .isEqualTo(
                        "1 fd(s) more than before the test (2 -> 3), open now and not before: fd 4 socket:[1234], fd 5 /tmp/hk-x");
    }
}
