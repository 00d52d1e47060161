package dev.hostkit.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostkit.core.Errno;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static dev.hostkit.netlink.LinksIT.assertSameAsIp;
import static dev.hostkit.netlink.LinksIT.byName;
import static dev.hostkit.netlink.LinksIT.ipJson;
import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;

/** ipvlan against the real kernel; where it has no ipvlan the request bytes are proven by IpvlanRequestBytesTest. */
@HostTest
class IpvlanIT {
    @Test
    void createsIpvlansInsideAnotherNamespaceAndReadsModeAndFlagBack(TestNetns host, TestNetns container)
            throws Exception {
        host.exec("ip", "link", "add", "hkip0", "type", "veth", "peer", "name", "hkip1");
        try (NetNamespace target = container.open();
                RtNetlink rt = rtIn(host)) {
            Link parent = rt.link("hkip0").orElseThrow();
            Link l2;
            try {
                l2 = rt.createLink(LinkSpec.ipvlan("eth1", parent.index(), IpvlanMode.L2, IpvlanFlag.BRIDGE)
                        .up()
                        .inNamespace(target));
            } catch (NetlinkException e) {
                // Only a kernel without ipvlan (ip: "Unknown device type") is a reason to skip; anything else fails.
                if (e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
                Assumptions.abort("skipped: this kernel has no ipvlan (" + e.getMessage()
                        + "); requests proven by bytes in IpvlanRequestBytesTest");
                return;
            }
            assertThat(l2.kind()).isEqualTo(new LinkKind.Ipvlan(IpvlanMode.L2, IpvlanFlag.BRIDGE));
            assertThat(l2.mac()).as("ipvlan shares the parent's MAC").isEqualTo(parent.mac());
            assertThat(l2.isUp()).isTrue();
            JsonNode ip = byName(ipJson(container, "-d", "link", "show"), "eth1");
            assertSameAsIp(l2, ip);
            assertThat(ip.path("linkinfo").path("info_data").path("mode").asText())
                    .isEqualTo("l2");

            Link l3 = rt.createLink(LinkSpec.ipvlan("eth2", parent.index(), IpvlanMode.L3, IpvlanFlag.PRIVATE)
                    .inNamespace(target));
            assertThat(l3.kind()).isEqualTo(new LinkKind.Ipvlan(IpvlanMode.L3, IpvlanFlag.PRIVATE));
            assertThat(byName(ipJson(container, "-d", "link", "show"), "eth2")
                            .path("linkinfo")
                            .path("info_data")
                            .path("mode")
                            .asText())
                    .isEqualTo("l3");
            try (RtNetlink inside = RtNetlink.open(target)) {
                assertThat(inside.links())
                        .extracting(Link::name)
                        .contains("eth1", "eth2")
                        .noneMatch(n -> n.startsWith("hkt"));
            }
        }
    }
}
