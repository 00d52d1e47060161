package dev.hostkit.core;

import dev.hostkit.core.internal.LeakWatch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A namespace dropped without close() gets its fd closed: leaking code keeps a bounded fd count. */
class NetNamespaceLeakTest {

    @Test
    void namespacesDroppedWithoutCloseHaveTheirFdsClosed() throws Exception {
        NetNamespace.current().close(); // load classes and pools outside the measurement
        int baseline = namespaceFds();
        long reportedBefore = LeakWatch.leaksReported();
        int peak = 0;
        for (int i = 0; i < 2_000; i++) {
            NetNamespace.current(); // the incident's pattern: opened per poll, never closed
            if (i % 100 == 0) {
                System.gc();
                peak = Math.max(peak, namespaceFds() - baseline);
            }
        }
        int left = Integer.MAX_VALUE;
        for (int attempt = 0; attempt < 100 && left > 0; attempt++) {
            System.gc();
            Thread.sleep(20);
            LeakWatch.drain();
            left = namespaceFds() - baseline;
        }
        assertThat(left).as("fds left open by 2,000 dropped namespaces").isLessThanOrEqualTo(0);
        assertThat(peak).as("fds open at any sample").isLessThan(2_000);
        assertThat(LeakWatch.leaksReported() - reportedBefore).isEqualTo(2_000);
    }

    // Counts only fds on network namespaces, so an fd the JVM opens meanwhile (a jar, a log) is not blamed.
    private static int namespaceFds() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return (int) fds.filter(fd -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(fd).toString().startsWith("net:[");
                } catch (java.io.IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    @Test
    void closedNamespaceIsNotReportedAsLeaked() throws Exception {
        long reportedBefore = LeakWatch.leaksReported();
        for (int i = 0; i < 100; i++) {
            try (NetNamespace ns = NetNamespace.current()) {
                assertThat(ns.fd()).isPositive();
            }
        }
        System.gc();
        Thread.sleep(50);
        LeakWatch.drain();
        assertThat(LeakWatch.leaksReported()).isEqualTo(reportedBefore);
    }
}
