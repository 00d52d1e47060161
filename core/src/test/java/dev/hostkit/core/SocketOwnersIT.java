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

    private static List<Long> socketsOf(int pid) throws Exception {
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
}
