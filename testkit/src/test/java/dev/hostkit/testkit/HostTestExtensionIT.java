package dev.hostkit.testkit;

import dev.hostkit.core.NetNamespace;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

@HostTest
class HostTestExtensionIT {
    private static String madeNs;
    private static String madeVeth;

    @Test
    void givesAThrowawayNamespaceAndVeth(TestNetns ns, VethPair veth) {
        madeNs = ns.name();
        madeVeth = veth.hostName();
        assertThat(ns.name()).startsWith(TestNames.RUN_PREFIX).hasSizeLessThanOrEqualTo(15);
        assertThat(Files.exists(ns.path())).isTrue();
        assertThat(Sh.run("ip", "-o", "link", "show", veth.hostName())).contains("UP");
        assertThat(ns.exec("ip", "-o", "link", "show", "lo")).contains("UP");
        try (NetNamespace handle = ns.open()) {
            assertThat(handle.id()).isNotEqualTo(NetNamespace.idOf(java.nio.file.Path.of("/proc/self/ns/net")));
        }
    }

    @Test
    void vethPeerCanLiveInAnotherNamespace(TestNetns ns) {
        try (VethPair pair = VethPair.create(null, ns)) {
            assertThat(ns.exec("ip", "-o", "link", "show", pair.peerName())).contains(pair.peerName());
            assertThat(Sh.exec("ip", "link", "show", pair.peerName()).ok()).isFalse();
        }
    }

    @Test
    void namesAreUniqueAndFitTheKernelLimit() {
        String a = TestNames.next("averyveryverylongrole");
        String b = TestNames.next("averyveryverylongrole");
        assertThat(a).isNotEqualTo(b).hasSizeLessThanOrEqualTo(15);
        assertThat(TestNames.ours(a)).isTrue();
    }

    @Test
    void previousTestsResourcesAreGone() {
        // Runs in any order; when the first test ran before, what it made must be gone now.
        if (madeNs != null) {
            assertThat(Files.exists(NetNamespace.NAMED_DIR.resolve(madeNs))).isFalse();
            assertThat(Sh.exec("ip", "link", "show", madeVeth).ok()).isFalse();
        }
    }

    @Test
    void privateEngineIsNeverTheSystemSocket(DockerEngine engine) {
        assertThat(engine.socket().toString()).isNotIn("/var/run/docker.sock", "/run/docker.sock");
        String id = engine.run(TestNames.next("c"), "sleep", "30");
        try {
            assertThat(engine.ourContainers()).contains(id);
            assertThat(engine.pid(id)).isPositive();
        } finally {
            engine.remove(id);
        }
        assertThat(engine.ourContainers()).doesNotContain(id);
    }
}
