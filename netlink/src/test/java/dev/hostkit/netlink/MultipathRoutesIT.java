package dev.hostkit.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostkit.core.Errno;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.hostkit.netlink.LinksIT.ipJson;
import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Multipath routes and nexthop objects against the real kernel, compared with what {@code ip -j route} shows. */
@HostTest
class MultipathRoutesIT {
    /** Two veth pairs, the near ends with an IPv4 and an IPv6 address each: two ways out of the namespace. */
    private static Map<String, Integer> twoWaysOut(TestNetns ns, RtNetlink rt) {
        ns.exec("ip", "link", "add", "hka0", "type", "veth", "peer", "name", "hka1");
        ns.exec("ip", "link", "add", "hkb0", "type", "veth", "peer", "name", "hkb1");
        Map<String, Integer> index = new TreeMap<>();
        for (String l : List.of("hka0", "hka1", "hkb0", "hkb1")) {
            index.put(l, rt.link(l).orElseThrow().index());
            rt.setUp(index.get(l), true);
        }
        rt.batch()
                .addAddress(Address.of(index.get("hka0"), "10.1.0.2/24"))
                .addAddress(Address.of(index.get("hkb0"), "10.2.0.2/24"))
                .addAddress(Address.of(index.get("hka0"), "fd01::2/64").withFlags(AddressFlag.NODAD))
                .addAddress(Address.of(index.get("hkb0"), "fd02::2/64").withFlags(AddressFlag.NODAD))
                .executeOrThrow();
        return index;
    }

    /** ip's {@code nexthops} array as "gateway dev weight flags" lines. */
    private static List<String> ipNextHops(JsonNode route) {
        List<String> out = new ArrayList<>();
        for (JsonNode h : route.path("nexthops")) {
            String gw = h.has("via")
                    ? h.path("via").path("host").asText()
                    : h.path("gateway").asText("-");
            out.add(gw + " dev " + h.path("dev").asText() + " weight "
                    + h.path("weight").asInt() + " " + h.path("flags"));
        }
        return out;
    }

    private static List<String> ourNextHops(Route r, Map<String, Integer> index) {
        List<String> out = new ArrayList<>();
        for (NextHop h : r.nextHops()) {
            String dev = index.entrySet().stream()
                    .filter(e -> e.getValue() == h.outputIndex())
                    .findFirst()
                    .orElseThrow()
                    .getKey();
            out.add((h.gateway() == null ? "-" : Cidr.text(h.gateway())) + " dev " + dev + " weight " + h.weight() + " "
                    + (h.isOnlink() ? "[\"onlink\"]" : "[]"));
        }
        return out;
    }

    private static JsonNode only(JsonNode routes) {
        assertThat(routes.size()).as("routes in %s", routes).isEqualTo(1);
        return routes.get(0);
    }

    private static Route defaultOf(RtNetlink rt, AddressFamily family) {
        return rt.routes(Route.TABLE_MAIN).stream()
                .filter(r -> r.isDefault() && r.family() == family)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void twoNextHopDefaultRoutesMadeByHostkitAreWhatIpShows(TestNetns ns) throws Exception {
        try (RtNetlink rt = rtIn(ns)) {
            Map<String, Integer> ix = twoWaysOut(ns, rt);
            rt.addRoute(Route.defaultRoute(AddressFamily.INET)
                    .withNextHops(
                            NextHop.via("10.1.0.1", ix.get("hka0")),
                            NextHop.via("10.2.0.1", ix.get("hkb0"))
                                    .withWeight(3)
                                    .onlink()));
            rt.addRoute(Route.defaultRoute(AddressFamily.INET6)
                    .withMetric(1024)
                    .withNextHops(
                            NextHop.via("fd01::1", ix.get("hka0")).withWeight(2),
                            NextHop.via("fd02::1", ix.get("hkb0"))));
            // IPv4 with one next hop through an IPv6 gateway (RTA_VIA, RFC 5549).
            rt.addRoute(Route.to("10.9.0.0/16")
                    .withNextHops(
                            new NextHop(Cidr.address("fe80::1"), ix.get("hka0"), 1, 0),
                            NextHop.via("10.2.0.1", ix.get("hkb0"))));

            JsonNode ip4 = only(ipJson(ns, "route", "show", "default"));
            assertThat(ip4.has("gateway")).isFalse();
            assertThat(ourNextHops(defaultOf(rt, AddressFamily.INET), ix))
                    .isEqualTo(ipNextHops(ip4))
                    .containsExactly("10.1.0.1 dev hka0 weight 1 []", "10.2.0.1 dev hkb0 weight 3 [\"onlink\"]");
            JsonNode ip6 = only(ipJson(ns, "-6", "route", "show", "default"));
            assertThat(ourNextHops(defaultOf(rt, AddressFamily.INET6), ix))
                    .isEqualTo(ipNextHops(ip6))
                    .containsExactly("fd01::1 dev hka0 weight 2 []", "fd02::1 dev hkb0 weight 1 []");
            Route via = rt.routes(Route.TABLE_MAIN).stream()
                    .filter(r -> r.destinationText().equals("10.9.0.0/16"))
                    .findFirst()
                    .orElseThrow();
            assertThat(ourNextHops(via, ix))
                    .isEqualTo(ipNextHops(only(ipJson(ns, "route", "show", "10.9.0.0/16"))))
                    .first()
                    .isEqualTo("fe80::1 dev hka0 weight 1 []");
        }
    }

    @Test
    void multipathRoutesMadeByIpComeBackIdenticalWhenReAddedFromWhatHostkitRead(TestNetns ns) throws Exception {
        try (RtNetlink rt = rtIn(ns)) {
            twoWaysOut(ns, rt);
            ns.exec(
                    "ip",
                    "route",
                    "add",
                    "default",
                    "proto",
                    "static",
                    "metric",
                    "7",
                    "nexthop",
                    "via",
                    "10.1.0.1",
                    "dev",
                    "hka0",
                    "weight",
                    "5",
                    "nexthop",
                    "via",
                    "10.2.0.1",
                    "dev",
                    "hkb0",
                    "weight",
                    "2");
            ns.exec(
                    "ip", "-6", "route", "add", "default", "nexthop", "via", "fd01::1", "dev", "hka0", "nexthop", "via",
                    "fd02::1", "dev", "hkb0", "weight", "4");
            String before4 = ipJson(ns, "-d", "route", "show", "default").toString();
            String before6 = ipJson(ns, "-d", "-6", "route", "show", "default").toString();
            Route v4 = defaultOf(rt, AddressFamily.INET);
            Route v6 = defaultOf(rt, AddressFamily.INET6);
            assertThat(v4.nextHops()).extracting(NextHop::weight).containsExactly(5, 2);
            assertThat(v4.protocol()).isEqualTo(Route.PROTOCOL_STATIC);
            assertThat(v6.nextHops()).extracting(NextHop::weight).containsExactly(1, 4);

            rt.deleteRoute(v4);
            rt.deleteRoute(v6);
            assertThat(ipJson(ns, "route", "show", "default")).isEmpty();
            assertThat(ipJson(ns, "-6", "route", "show", "default")).isEmpty();
            rt.addRoute(v4);
            rt.addRoute(v6);
            assertThat(ipJson(ns, "-d", "route", "show", "default").toString()).isEqualTo(before4);
            assertThat(ipJson(ns, "-d", "-6", "route", "show", "default").toString())
                    .isEqualTo(before6);
            assertThat(defaultOf(rt, AddressFamily.INET)).isEqualTo(v4);
            assertThat(defaultOf(rt, AddressFamily.INET6)).isEqualTo(v6);
        }
    }

    @Test
    void aRouteOnANexthopObjectKeepsItsIdAndComesBackThroughTheObjectOrExpandedWithoutIt(TestNetns ns)
            throws Exception {
        try (RtNetlink rt = rtIn(ns)) {
            Map<String, Integer> ix = twoWaysOut(ns, rt);
            ns.exec("ip", "nexthop", "add", "id", "7", "via", "10.1.0.1", "dev", "hka0");
            ns.exec("ip", "route", "add", "10.8.0.0/16", "nhid", "7");
            String before = ipJson(ns, "-d", "route", "show", "10.8.0.0/16").toString();
            Route r = rt.routes(Route.TABLE_MAIN).stream()
                    .filter(x -> x.destinationText().equals("10.8.0.0/16"))
                    .findFirst()
                    .orElseThrow();
            // The kernel reports the object's id and, in compat mode (the default), its gateway and link.
            assertThat(r.nexthopId()).isEqualTo(7);
            assertThat(r.gateway()).isEqualTo(Cidr.address("10.1.0.1"));
            assertThat(r.outputIndex()).isEqualTo(ix.get("hka0"));

            rt.deleteRoute(r);
            rt.addRoute(r); // through the object: only RTA_NH_ID is sent
            assertThat(ipJson(ns, "-d", "route", "show", "10.8.0.0/16").toString())
                    .isEqualTo(before);

            rt.deleteRoute(r);
            ns.exec("ip", "nexthop", "del", "id", "7");
            assertThatThrownBy(() -> rt.addRoute(r))
                    .isInstanceOf(NetlinkException.class)
                    .satisfies(e -> assertThat(((NetlinkException) e).errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("Nexthop id does not exist");
            rt.addRoute(r.withNexthopId(0)); // the object is gone: the gateway and link it had
            JsonNode expanded = only(ipJson(ns, "route", "show", "10.8.0.0/16"));
            assertThat(expanded.has("nhid")).isFalse();
            assertThat(expanded.path("gateway").asText()).isEqualTo("10.1.0.1");
            assertThat(expanded.path("dev").asText()).isEqualTo("hka0");
        }
    }
}
