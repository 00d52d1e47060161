package dev.hostkit.core.internal;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.Errno;
import dev.hostkit.core.NetNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A namespace worker that cannot return home (a fault hook fails its return setns) is discarded, never reused, and the
 * caller's namespace is checked with an independent read of {@code /proc/thread-self/ns/net}, not with setns.
 */
class StrandedWorkerIT {
    private final String name = "hkstr" + ProcessHandle.current().pid() % 100000;

    @BeforeEach
    void createNamespace() throws Exception {
        boolean root = Files.readString(Path.of("/proc/self/status"))
                .lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        assumeTrue(root, "needs root to create a network namespace");
        sh("ip", "netns", "add", name);
    }

    @AfterEach
    void removeNamespace() throws Exception {
        NamespaceThreads.beforeReturnHome = () -> {};
        sh("ip", "netns", "del", name);
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    // An independent look at a thread's namespace: the link text of its nsfs file, e.g. "net:[4026532301]".
    private static String threadNamespace() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    @Test
    void workerThatCannotReturnHomeIsDiscardedAndTheCallerNeverMoves() throws Exception {
        String callerBefore = threadNamespace();
        try (NetNamespace ns = NetNamespace.named(name)) {
            String target = "net:[" + ns.id().inode() + "]";
            AtomicBoolean failOnce = new AtomicBoolean(true);
            NamespaceThreads.beforeReturnHome = () -> {
                if (failOnce.getAndSet(false)) {
                    throw new LastErrorException(Errno.EPERM.number());
                }
            };
            AtomicReference<Thread> stranded = new AtomicReference<>();
            String seenInside = ns.run(() -> {
                stranded.set(Thread.currentThread());
                return threadNamespace();
            });
            assertThat(seenInside).isEqualTo(target);
            assertThat(threadNamespace())
                    .as("the caller's namespace, read from /proc")
                    .isEqualTo(callerBefore);
            stranded.get().join(5_000);
            assertThat(stranded.get().isAlive())
                    .as("the stranded worker ended instead of going back to the pool")
                    .isFalse();

            // Later work runs on other threads, each of which starts from home and returns there.
            for (int i = 0; i < 20; i++) {
                AtomicReference<Thread> worker = new AtomicReference<>();
                assertThat(ns.run(() -> {
                            worker.set(Thread.currentThread());
                            return threadNamespace();
                        }))
                        .isEqualTo(target);
                assertThat(worker.get()).isNotSameAs(stranded.get());
            }
            NetNamespace.NsId home = NetNamespace.idOf(Path.of("/proc/self/ns/net"));
            try (NetNamespace self = NetNamespace.open(Path.of("/proc/self/ns/net"))) {
                // A task entering the home namespace on a pooled worker finds itself home: no worker kept the foreign
                // one.
                assertThat(self.run(StrandedWorkerIT::threadNamespace)).isEqualTo("net:[" + home.inode() + "]");
            }
            assertThat(threadNamespace()).isEqualTo(callerBefore);
        }
    }
}
