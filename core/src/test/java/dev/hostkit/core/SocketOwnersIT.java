package dev.hostkit.core;

import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class SocketOwnersIT {
    @Test
    void findsThisProcessAsOwnerOfItsOwnSocket() throws Exception {
        int self = (int) ProcessHandle.current().pid();
        List<Long> before = socketsOf(self);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            List<Long> now = socketsOf(self);
            now.removeAll(before);
            assertThat(now).hasSize(1);
            SocketOwners owners = SocketOwners.scan();
            assertThat(owners.pidsOf(now.get(0))).containsExactly(self);
            ProcessInfo me = ProcessInfo.read(ProcFs.system(), self).orElseThrow();
            assertThat(me.isCurrentProcess()).isTrue();
            assertThat(me.comm()).isEqualTo("java");
            assertThat(me.startTicks()).isPositive();
        }
    }

    /** The socket inodes in {@code /proc/PID/fd}, read link by link: the answer both readers are checked against. */
    static List<Long> socketsOf(int pid) throws Exception {
        List<Long> out = new ArrayList<>();
        try (var fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    String t = Files.readSymbolicLink(fd).toString();
                    if (t.startsWith("socket:[")) {
                        out.add(Long.parseLong(t.substring(8, t.length() - 1)));
                    }
                } catch (java.io.IOException e) {
                    // the listing's own fd
                }
            }
        }
        return out;
    }

    @Test
    void processesComingAndGoingDuringTheScanAreNeverAnError() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new ArrayList<>();
        Thread churn = new Thread(
                () -> {
                    while (!stop.get()) {
                        try {
                            // Short-lived children: their /proc/PID/fd appears and vanishes while the scan runs.
                            new ProcessBuilder("sh", "-c", "sleep 0.01 & true")
                                    .start()
                                    .waitFor();
                        } catch (Exception e) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    }
                },
                "hk-test-churn");
        churn.start();
        try {
            for (int i = 0; i < 10; i++) {
                SocketOwners owners = SocketOwners.scan();
                assertThat(owners.processCount()).isPositive();
                for (int pid : ProcFs.system().pids()) {
                    ProcessInfo.read(ProcFs.system(), pid); // empty or whole, never an exception
                }
            }
        } finally {
            stop.set(true);
            churn.join(10_000);
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void aProcessWithThousandsOfSocketsIsFoundWholeAndItsExitMidScanIsNeverAnError() throws Exception {
        Process holder = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import socket, sys\n"
                                + "pairs = [socket.socketpair() for _ in range(3000)]\n"
                                + "print(' '.join(str(p[0].fileno()) for p in pairs[:1]), flush=True)\n"
                                + "sys.stdin.read()")
                .redirectErrorStream(true)
                .start();
        try {
            int pid = (int) holder.pid();
            String firstFd = new java.io.BufferedReader(new java.io.InputStreamReader(
                            holder.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))
                    .readLine();
            assertThat(firstFd).as("the holder started").matches("[0-9]+");
            List<Long> held = socketsOf(pid);
            assertThat(held).hasSize(6000);
            SocketOwners owners = SocketOwners.scan();
            SocketOwners oneThread = SocketOwners.scan(ProcFs.system(), null, java.util.Set.of());
            for (long inode : held) {
                assertThat(owners.pidsOf(inode)).contains(pid);
                assertThat(oneThread.pidsOf(inode)).contains(pid);
            }
            SocketOwners some = SocketOwners.scan(
                    ProcFs.system(), java.util.Set.of(held.get(0), held.get(5999)), java.util.Set.of());
            assertThat(some.pidsOf(held.get(5999))).contains(pid);
            List<Integer> order =
                    SocketOwners.mostFdsFirst(ProcFs.system(), ProcFs.system().pids());
            assertThat(order.indexOf(pid)).as("6,000 fds: read before this JVM").isLessThan(order.indexOf((int)
                    ProcessHandle.current().pid()));

            // Killed while scans run: each scan sees it whole, partly or not at all, and never fails.
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> failures = new ArrayList<>();
            Thread scanner = new Thread(
                    () -> {
                        while (!stop.get()) {
                            try {
                                SocketOwners.scan();
                            } catch (Throwable t) {
                                synchronized (failures) {
                                    failures.add(t);
                                }
                            }
                        }
                    },
                    "hk-test-scanner");
            scanner.start();
            Thread.sleep(50);
            holder.destroyForcibly();
            holder.waitFor();
            Thread.sleep(50);
            stop.set(true);
            scanner.join(30_000);
            assertThat(failures).isEmpty();
            assertThat(SocketOwners.scan().pidsOf(held.get(0))).doesNotContain(pid);
        } finally {
            holder.destroyForcibly();
        }
    }
}
