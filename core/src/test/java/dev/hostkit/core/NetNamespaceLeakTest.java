package dev.hostkit.core;

import dev.hostkit.core.internal.LeakWatch;
import org.junit.jupiter.api.Test;

import java.util.List;

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
                            return java.nio.file.Files.readSymbolicLink(fd)
                                    .toString()
                                    .startsWith("net:[");
                        } catch (java.io.IOException e) {
                            return false; // closed while listing
                        }
                    })
                    .count();
        }
    }

    @Test
    void leakWarningNamesWhereTheNamespaceWasOpened() throws Exception {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            long before = LeakWatch.leaksReported();
            openAndDrop();
            for (int i = 0; i < 100 && LeakWatch.leaksReported() == before; i++) {
                System.gc();
                Thread.sleep(20);
                LeakWatch.drain();
            }
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(log)
                .contains(
                        "WARN dev.hostkit.core.internal.LeakWatch - hostkit: network namespace /proc/thread-self/ns/net "
                                + "was never closed; its fds are now closed. Opened at (reported once per place):");
        // The frames after "Opened at:" go from hostkit's own down to the code that opened it, with file and line.
        List<String> frames = log.substring(log.indexOf("Opened at (reported once per place):"))
                .lines()
                .skip(1)
                .map(String::strip)
                .takeWhile(l -> !l.isEmpty() && !l.contains(" WARN "))
                .toList();
        assertThat(frames).contains("dev.hostkit.core.NetNamespace.current(NetNamespace.java:" + currentLine() + ")");
        assertThat(frames)
                .anySatisfy(f -> assertThat(f)
                        .startsWith("dev.hostkit.core.NetNamespaceLeakTest.openAndDrop(NetNamespaceLeakTest.java:"));
    }

    // The line of NetNamespace.current() that opens the namespace, as a stack frame shows it.
    private static int currentLine() throws Exception {
        List<String> src = java.nio.file.Files.readAllLines(
                java.nio.file.Path.of("src/main/java/dev/hostkit/core/NetNamespace.java"));
        for (int i = 0; i < src.size(); i++) {
            if (src.get(i).contains("return open(Path.of(\"/proc/thread-self/ns/net\"));")) {
                return i + 1;
            }
        }
        throw new AssertionError("NetNamespace.current() not found");
    }

    private static void openAndDrop() {
        NetNamespace.current();
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
