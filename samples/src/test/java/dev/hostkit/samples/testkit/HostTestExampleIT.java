package dev.hostkit.samples.testkit;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.DockerEngine;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import dev.hostkit.testkit.VethPair;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Example for {@link HostTest}: a throwaway namespace and a veth pair standing in for a NIC, handed to the test and
 * removed after it (failure included), with the leak check on; and the private Docker Engine. Needs root (and
 * {@code DOCKER_HOST} for the engine); skipped without, failed under CI=true. Includes testkit/README.md's examples.
 */
@HostTest
class HostTestExampleIT {

    @Test
    void macvlanMadeOnAVethParentAndMovedIntoTheNamespaceIsSeenThereInBridgeMode(TestNetns ns, VethPair parent) {
        String name = TestNames.next("mv");
        try (RtNetlink host = RtNetlink.open()) {
            int parentIndex = host.link(parent.hostName()).orElseThrow().index();
            Link made = host.createLink(LinkSpec.macvlan(name, parentIndex, MacvlanMode.BRIDGE));
            try (NetNamespace target = ns.open()) {
                host.moveToNamespace(made.index(), target);
            }
        }

        assertThat(ns.exec("ip", "-d", "-o", "link", "show", name)).contains("macvlan mode bridge");
        try (NetNamespace inside = ns.open();
                RtNetlink rtnl = RtNetlink.open(inside)) {
            Link seen = rtnl.link(name).orElseThrow();
            assertThat(seen.macvlanMode()).hasValue(MacvlanMode.BRIDGE);
            assertThat(seen.linkNetnsId())
                    .as("the parent lives in another namespace")
                    .isNotNegative();
        }
    } // the namespace (with the macvlan in it) and the veth pair are deleted here

    // testkit/README.md, as written.
    @Test
    void agentSeesMacvlanInsideNamespace(TestNetns ns, VethPair parent) {
        String mv = TestNames.next("mv"); // hk<run-tag>mv<n>, <= 15 bytes
        Sh.run("ip", "link", "add", mv, "link", parent.hostName(), "type", "macvlan", "mode", "bridge");
        Sh.run("ip", "link", "set", mv, "netns", ns.name());
        assertThat(ns.exec("ip", "-d", "-o", "link", "show", mv)).contains("macvlan mode bridge");
        try (NetNamespace handle = ns.open();
                RtNetlink rtnl = RtNetlink.open(handle)) { // hostkit-netlink
            assertThat(rtnl.link(mv)).isPresent();
        }
    }

    @Test
    void agentTalksToPrivateEngine(DockerEngine engine) {
        String id = engine.run(TestNames.next("c"), "sleep", "60"); // busybox, --network none, labelled
        try {
            assertThat(engine.pid(id)).isPositive();
            assertThat(engine.docker("inspect", "-f", "{{.State.Running}}", id)).isEqualTo("true");
        } finally {
            engine.remove(id);
        }
    }

    @Test
    void namespacesAndAPairMadeWithoutTheExtension() {
        try (TestNetns a = TestNetns.create();
                TestNetns b = TestNetns.create();
                VethPair link = VethPair.create(a, b)) { // host end in a, peer end moved into b, both up
            a.exec("ip", "addr", "add", "10.9.0.1/30", "dev", link.hostName());
            b.exec("ip", "addr", "add", "10.9.0.2/30", "dev", link.peerName());
            assertThat(b.exec("ip", "-o", "-4", "addr", "show", link.peerName()))
                    .contains("10.9.0.2/30");
            assertThat(a.exec("ip", "route", "get", "10.9.0.2")).contains("dev " + link.hostName());
        }
    }
}
