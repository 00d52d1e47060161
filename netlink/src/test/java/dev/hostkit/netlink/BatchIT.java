package dev.hostkit.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.hostkit.netlink.LinksIT.ipJson;
import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@HostTest
class BatchIT {
    @Test
    void pipelinesHundredsOfChangesAndReportsEachRequestsOwnResult(TestNetns ns) throws Exception {
        ns.exec("ip", "link", "add", "hkbp", "type", "veth", "peer", "name", "hkbq");
        try (RtNetlink rt = rtIn(ns)) {
            int parent = rt.link("hkbp").orElseThrow().index();
            Batch create = rt.batch();
            for (int i = 0; i < 300; i++) { // more than one datagram window (256)
                create.createLink(
                        LinkSpec.macvlan("hkb" + i, parent, MacvlanMode.BRIDGE).up());
            }
            create.createLink(LinkSpec.macvlan("hkb7", parent, MacvlanMode.BRIDGE)); // duplicate: EEXIST
            create.createLink(LinkSpec.macvlan("hkbx", 99999, MacvlanMode.BRIDGE)); // no such parent
            List<Batch.Result> results = create.execute();
            assertThat(results).hasSize(302);
            assertThat(results.subList(0, 300)).allMatch(Batch.Result::ok);
            assertThat(results.get(300).error().errno().name()).isEqualTo("EEXIST");
            assertThat(results.get(300).error())
                    .hasMessageStartingWith("create macvlan(hkb7 on parent index " + parent + "): EEXIST");
            assertThat(results.get(301).ok()).isFalse();
            assertThat(create.size()).isZero();

            Map<String, Link> byName = rt.links().stream().collect(Collectors.toMap(Link::name, Function.identity()));
            Batch addresses = rt.batch();
            for (int i = 0; i < 300; i++) {
                addresses.addAddress(
                        Address.of(byName.get("hkb" + i).index(), "10.40." + (i / 250) + "." + (i % 250 + 1) + "/16"));
            }
            addresses.executeOrThrow();

            JsonNode ip = ipJson(ns, "-d", "link", "show");
            int macvlans = 0;
            for (JsonNode l : ip) {
                if (l.path("ifname").asText().startsWith("hkb")
                        && !l.path("ifname").asText().startsWith("hkbp")
                        && !l.path("ifname").asText().startsWith("hkbq")) {
                    LinksIT.assertSameAsIp(byName.get(l.path("ifname").asText()), l);
                    assertThat(byName.get(l.path("ifname").asText()).isUp()).isTrue();
                    macvlans++;
                }
            }
            assertThat(macvlans).isEqualTo(300);
            assertThat(rt.addresses())
                    .filteredOn(a -> a.cidr().startsWith("10.40."))
                    .hasSize(300);

            Batch again = rt.batch();
            again.addAddress(Address.of(byName.get("hkb0").index(), "10.40.0.1/16"));
            assertThatThrownBy(again::executeOrThrow)
                    .isInstanceOf(NetlinkException.class)
                    .satisfies(e ->
                            assertThat(((NetlinkException) e).errno().name()).isEqualTo("EEXIST"));

            Batch delete = rt.batch();
            byName.values().stream()
                    .filter(l -> l.kind() instanceof LinkKind.Macvlan)
                    .forEach(l -> delete.deleteLink(l.index()));
            assertThat(delete.execute()).hasSize(300).allMatch(Batch.Result::ok);
            assertThat(rt.links()).noneMatch(l -> l.kind() instanceof LinkKind.Macvlan);
        }
    }
}
