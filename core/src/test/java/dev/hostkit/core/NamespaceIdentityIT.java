package dev.hostkit.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Namespace identity survives inode reuse: the cookie tells a new namespace on a freed inode from the old one. */
class NamespaceIdentityIT {

    @Test
    void sameInodeWithADifferentCookieIsADifferentNamespace() {
        NetNamespace.Identity old = new NetNamespace.Identity(4, 4026532301L, 1000);
        assertThat(old.sameNamespaceAs(new NetNamespace.Identity(4, 4026532301L, 1000)))
                .isTrue();
        assertThat(old.sameNamespaceAs(new NetNamespace.Identity(4, 4026532301L, 1001)))
                .as("reused inode")
                .isFalse();
        assertThat(old.sameNamespaceAs(new NetNamespace.Identity(4, 4026532302L, 1000)))
                .isFalse();
        assertThat(old.sameNamespaceAs(new NetNamespace.Identity(5, 4026532301L, 1000)))
                .isFalse();
        // Before 5.14 the cookie is unknown (0): only device and inode can be compared.
        assertThat(old.sameNamespaceAs(new NetNamespace.Identity(4, 4026532301L, 0)))
                .isTrue();
        assertThat(old.sameNamespaceAs(null)).isFalse();
    }

    @Test
    void aNamespaceMadeOnAFreedInodeHasTheSameInodeButNotTheSameIdentity() throws Exception {
        boolean root = Files.readString(Path.of("/proc/self/status"))
                .lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        assumeTrue(root, "needs root to create network namespaces");
        String name = "hkid" + ProcessHandle.current().pid() % 100000;
        NetNamespace.Identity first;
        sh("ip", "netns", "add", name);
        try (NetNamespace ns = NetNamespace.named(name)) {
            first = ns.identity();
        } finally {
            sh("ip", "netns", "del", name);
        }
        assumeTrue(first.cookie() != 0, "kernel before 5.14: no SO_NETNS_COOKIE");
        // The kernel hands out the lowest free namespace inode, so a new namespace usually gets the old one's.
        for (int attempt = 0; attempt < 20; attempt++) {
            sh("ip", "netns", "add", name);
            try (NetNamespace ns = NetNamespace.named(name)) {
                NetNamespace.Identity next = ns.identity();
                if (next.inode() == first.inode() && next.device() == first.device()) {
                    assertThat(ns.id()).isEqualTo(new NetNamespace.NsId(first.device(), first.inode()));
                    assertThat(next.cookie()).isNotEqualTo(first.cookie());
                    assertThat(next.sameNamespaceAs(first))
                            .as("%s vs %s", next, first)
                            .isFalse();
                    return;
                }
            } finally {
                sh("ip", "netns", "del", name);
            }
            Thread.sleep(100); // a freed namespace's inode is released once its last reference goes
        }
        assumeTrue(false, "the kernel did not reuse the freed namespace inode within 20 namespaces");
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
    }
}
