package dev.hostkit.samples.testkit;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import dev.hostkit.testkit.VethPair;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Example for {@link HostTest}: a throwaway namespace and a veth pair standing in for a NIC, handed to the test and
 * removed after it (failure included), with the leak check on. Needs root; skipped without it, failed under CI=true.
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
        try (NetNamespace inside = ns.open(); RtNetlink rtnl = RtNetlink.open(inside)) {
            Link seen = rtnl.link(name).orElseThrow();
            assertThat(seen.macvlanMode()).hasValue(MacvlanMode.BRIDGE);
            assertThat(seen.linkNetnsId()).as("the parent lives in another namespace").isNotNegative();
        }
    }   // the namespace (with the macvlan in it) and the veth pair are deleted here
}
