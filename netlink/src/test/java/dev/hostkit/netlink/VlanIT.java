package dev.hostkit.netlink;

import dev.hostkit.core.Errno;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static dev.hostkit.netlink.LinksIT.byName;
import static dev.hostkit.netlink.LinksIT.ipJson;
import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;

@HostTest
class VlanIT {
    @Test
    void createsAn8021qAndAn8021adVlanWhereTheKernelSupportsThem(TestNetns ns) throws Exception {
        ns.exec("ip", "link", "add", "hkvp", "type", "veth", "peer", "name", "hkvq");
        try (RtNetlink rt = rtIn(ns)) {
            int parent = rt.link("hkvp").orElseThrow().index();
            Link q;
            try {
                q = rt.createLink(LinkSpec.vlan("hkvp.3", parent, 3, VlanProtocol.IEEE_802_1Q));
            } catch (NetlinkException e) {
                // Only a kernel without 802.1Q (no 8021q module) is a reason to skip; anything else fails.
                if (e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
                // A legitimate skip also under CI=true: the kernel, not the test setup, lacks the feature.
                Assumptions.abort("skipped: this kernel lacks 802.1Q VLAN support (" + e.getMessage() + ")");
                return;
            }
            assertThat(q.kind()).isEqualTo(new LinkKind.Vlan(3, VlanProtocol.IEEE_802_1Q));
            assertThat(q.parentIndex()).isEqualTo(parent);
            LinksIT.assertSameAsIp(q, byName(ipJson(ns, "-d", "link", "show"), "hkvp.3"));
            Link ad = rt.createLink(LinkSpec.vlan("hkvp.4", parent, 4, VlanProtocol.IEEE_802_1AD));
            assertThat(ad.kind()).isEqualTo(new LinkKind.Vlan(4, VlanProtocol.IEEE_802_1AD));
            assertThat(byName(ipJson(ns, "-d", "link", "show"), "hkvp.4")
                            .path("linkinfo")
                            .path("info_data")
                            .path("protocol")
                            .asText())
                    .isEqualTo("802.1ad");
        }
    }
}
