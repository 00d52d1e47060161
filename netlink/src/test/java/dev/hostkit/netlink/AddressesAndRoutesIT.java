package dev.hostkit.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.hostkit.netlink.LinksIT.ipJson;
import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@HostTest
class AddressesAndRoutesIT {
    @Test
    void addsListsAndDeletesIpv4AndIpv6AddressesLikeIpShowsThem(TestNetns ns) throws Exception {
        ns.exec("ip", "link", "add", "hkd0", "type", "veth", "peer", "name", "hkd1");
        try (RtNetlink rt = rtIn(ns)) {
            int idx = rt.link("hkd0").orElseThrow().index();
            rt.setUp(idx, true);
            rt.addAddress(Address.of(idx, "10.77.0.2/24")
                    .withBroadcast(Cidr.address("10.77.0.255"))
                    .withLabel("hkd0:web"));
            rt.addAddress(Address.of(idx, "fd77::2/64").withFlags(AddressFlag.NODAD));
            rt.addAddress(Address.of(idx, "10.78.0.1/32").withScope(Scope.LINK));

            List<Address> mine = rt.addresses(idx);
            JsonNode ip = ipJson(ns, "addr", "show", "dev", "hkd0");
            List<String> ipSeen = new ArrayList<>();
            for (JsonNode info : ip.get(0).path("addr_info")) {
                ipSeen.add(info.path("local").asText() + "/"
                        + info.path("prefixlen").asInt() + " "
                        + info.path("scope").asText()
                        + (info.has("label") ? " " + info.path("label").asText() : "")
                        + (info.has("broadcast")
                                ? " brd " + info.path("broadcast").asText()
                                : ""));
            }
            List<String> ours = new ArrayList<>();
            for (Address a : mine) {
                ours.add(a.cidr() + " " + a.scope().ipName() + (a.label() != null ? " " + a.label() : "")
                        + (a.broadcast() != null ? " brd " + a.broadcast().getHostAddress() : ""));
            }
            assertThat(ours).containsExactlyInAnyOrderElementsOf(ipSeen);
            Address v6 = mine.stream()
                    .filter(a -> a.family() == AddressFamily.INET6 && a.cidr().startsWith("fd77"))
                    .findFirst()
                    .orElseThrow();
            assertThat(v6.has(AddressFlag.NODAD)).isTrue();
            assertThat(v6.has(AddressFlag.PERMANENT)).isTrue();

            assertThatThrownBy(() -> rt.addAddress(Address.of(idx, "10.77.0.2/24")))
                    .isInstanceOf(NetlinkException.class)
                    .satisfies(e ->
                            assertThat(((NetlinkException) e).errno().name()).isEqualTo("EEXIST"));

            rt.deleteAddress(Address.of(idx, "10.77.0.2/24"));
            rt.deleteAddress(Address.of(idx, "fd77::2/64"));
            assertThat(rt.addresses(idx)).extracting(Address::cidr).doesNotContain("10.77.0.2/24", "fd77::2/64");
            assertThat(rt.addresses()).extracting(Address::cidr).contains("127.0.0.1/8", "10.78.0.1/32");
        }
    }

    @Test
    void addsReplacesListsAndDeletesRoutesLikeIpShowsThem(TestNetns ns) throws Exception {
        ns.exec("ip", "link", "add", "hkr0", "type", "veth", "peer", "name", "hkr1");
        try (RtNetlink rt = rtIn(ns)) {
            int idx = rt.link("hkr0").orElseThrow().index();
            rt.setUp(idx, true);
            rt.addAddress(Address.of(idx, "10.88.0.2/24"));
            rt.addAddress(Address.of(idx, "fd88::2/64").withFlags(AddressFlag.NODAD));
            rt.addRoute(Route.defaultRoute(AddressFamily.INET).via("10.88.0.1").dev(idx));
            rt.addRoute(Route.to("10.99.0.0/16")
                    .via("10.88.0.1")
                    .dev(idx)
                    .withMetric(50)
                    .withPreferredSource("10.88.0.2"));
            rt.addRoute(Route.to("10.98.0.0/16").dev(idx));
            rt.addRoute(Route.to("192.0.2.0/24").via("198.51.100.1").dev(idx).onlink());
            rt.addRoute(Route.to("10.97.0.0/16")
                    .via("10.88.0.1")
                    .dev(idx)
                    .withTable(100)
                    .withProtocol(Route.PROTOCOL_STATIC));
            rt.addRoute(Route.to("fd99::/64").via("fd88::1").dev(idx));
            rt.replaceRoute(Route.to("10.99.0.0/16").via("10.88.0.3").dev(idx).withMetric(50));

            List<String> ours = new ArrayList<>();
            for (Route r : rt.routes(Route.TABLE_MAIN)) {
                if (r.family() == AddressFamily.INET) {
                    ours.add(describe(r));
                }
            }
            List<String> ipSeen = new ArrayList<>();
            for (JsonNode r : ipJson(ns, "route", "show")) {
                ipSeen.add(r.path("dst").asText() + " via " + r.path("gateway").asText("-") + " dev "
                        + r.path("dev").asText()
                        + " proto " + r.path("protocol").asText("boot") + " scope "
                        + r.path("scope").asText("global")
                        + " metric " + r.path("metric").asInt(0) + " src "
                        + r.path("prefsrc").asText("-")
                        + (r.path("flags").toString().contains("onlink") ? " onlink" : ""));
            }
            assertThat(ours).containsExactlyInAnyOrderElementsOf(ipSeen);
            assertThat(rt.routes(100)).singleElement().satisfies(r -> {
                assertThat(r.destinationText()).isEqualTo("10.97.0.0/16");
                assertThat(r.protocol()).isEqualTo(Route.PROTOCOL_STATIC);
            });
            assertThat(rt.routes()).anyMatch(r -> r.table() == 255); // local table included in the full dump
            assertThat(rt.routes(Route.TABLE_MAIN))
                    .anyMatch(r -> r.destinationText().equals("fd99::/64") && r.gateway() != null);

            rt.deleteRoute(Route.to("10.99.0.0/16").withMetric(50));
            rt.deleteRoute(Route.defaultRoute(AddressFamily.INET));
            assertThat(rt.routes(Route.TABLE_MAIN))
                    .extracting(Route::destinationText)
                    .doesNotContain("10.99.0.0/16", "default");
            assertThatThrownBy(() -> rt.deleteRoute(Route.to("10.55.0.0/16")))
                    .isInstanceOf(NetlinkException.class)
                    .satisfies(e ->
                            assertThat(((NetlinkException) e).errno().name()).isEqualTo("ESRCH"));
        }
    }

    private static String describe(Route r) {
        String dev = "hkr0";
        String proto = switch (r.protocol()) {
            case 2 -> "kernel";
            case 3 -> "boot";
            case 4 -> "static";
            default -> Integer.toString(r.protocol());
        };
        return r.destinationText() + " via "
                + (r.gateway() == null ? "-" : r.gateway().getHostAddress()) + " dev " + dev
                + " proto " + proto + " scope " + r.scope().ipName() + " metric " + r.priority()
                + " src "
                + (r.preferredSource() == null ? "-" : r.preferredSource().getHostAddress())
                + (r.isOnlink() ? " onlink" : "");
    }
}
