package dev.hostkit.netlink;

import dev.hostkit.core.internal.LeakWatch;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Handles dropped without close() give back their socket and namespace fds; one warning per handle. */
class HandleLeakTest {

    @Test
    void handlesDroppedWithoutCloseHaveTheirSocketsClosed() throws Exception {
        try (RtNetlink warm = RtNetlink.open()) {
            warm.links();
        }
        int baseline = handleFds();
        long reportedBefore = LeakWatch.leaksReported();
        for (int i = 0; i < 1_000; i++) {
            RtNetlink.open().links(); // used once, never closed
        }
        int left = Integer.MAX_VALUE;
        for (int attempt = 0; attempt < 100 && left > 0; attempt++) {
            System.gc();
            Thread.sleep(20);
            LeakWatch.drain();
            left = handleFds() - baseline;
        }
        assertThat(left)
                .as("socket and namespace fds left by 1,000 dropped handles")
                .isLessThanOrEqualTo(0);
        // Each handle holds a socket and a namespace: both are released and reported.
        assertThat(LeakWatch.leaksReported() - reportedBefore).isEqualTo(2_000);
    }

    // Only sockets and namespace fds, so an fd the JVM opens meanwhile (a jar, a log) is not blamed.
    private static int handleFds() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.filter(fd -> {
                        try {
                            String target = Files.readSymbolicLink(fd).toString();
                            return target.startsWith("socket:[") || target.startsWith("net:[");
                        } catch (IOException e) {
                            return false; // closed while listing
                        }
                    })
                    .count();
        }
    }
}
