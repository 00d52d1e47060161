package dev.hostkit.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@HostTest
class LinksIT {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode ipJson(TestNetns ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "-j"));
        cmd.addAll(List.of(args));
        return JSON.readTree(ns.exec(cmd.toArray(String[]::new)));
    }

    /** A handle on a test namespace; the handle keeps its own fd, so ours is closed right away. */
    static RtNetlink rtIn(TestNetns ns) {
        try (NetNamespace n = ns.open()) {
            return RtNetlink.open(n);
        }
    }

    static JsonNode byName(JsonNode array, String name) {
        for (JsonNode n : array) {
            if (n.path("ifname").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("ip does not show " + name + " in " + array);
    }

    /** Field-by-field comparison of one link with what {@code ip -j -d link show} prints. */
    static void assertSameAsIp(Link link, JsonNode ip) {
        assertThat(link.index())
                .as("ifindex of %s", link.name())
                .isEqualTo(ip.path("ifindex").asInt());
        assertThat(link.name()).isEqualTo(ip.path("ifname").asText());
        assertThat(link.mtu())
                .as("mtu of %s", link.name())
                .isEqualTo(ip.path("mtu").asInt());
        if (link.mac() != null) {
            assertThat(link.mac().toString())
                    .as("mac of %s", link.name())
                    .isEqualTo(ip.path("address").asText());
        }
        List<String> flags = new ArrayList<>();
        ip.path("flags").forEach(f -> flags.add(f.asText()));
        assertThat(link.isUp()).as("UP flag of %s", link.name()).isEqualTo(flags.contains("UP"));
        assertThat(link.hasCarrier()).as("LOWER_UP of %s", link.name()).isEqualTo(flags.contains("LOWER_UP"));
        assertThat(link.operState().name())
                .as("operstate of %s", link.name())
                .isEqualTo(ip.path("operstate").asText());
        String kind = ip.path("linkinfo").path("info_kind").asText("");
        assertThat(link.kind().kindName()).as("kind of %s", link.name()).isEqualTo(kind);
        if (link.kind() instanceof LinkKind.Macvlan m) {
            assertThat(m.mode().ipName())
                    .isEqualTo(
                            ip.path("linkinfo").path("info_data").path("mode").asText());
        }
        if (ip.has("link_netnsid")) {
            assertThat(link.linkNetnsId())
                    .as("link-netnsid of %s", link.name())
                    .isEqualTo(ip.path("link_netnsid").asInt());
        } else {
            assertThat(link.linkNetnsId()).isEqualTo(-1);
        }
        if (ip.has("link_index")) {
            assertThat(link.parentIndex()).isEqualTo(ip.path("link_index").asInt());
        }
    }

    @Test
    void listsEveryLinkOfANamespaceLikeIpDoes(TestNetns ns) throws Exception {
        ns.exec("ip", "link", "add", "hkv0", "type", "veth", "peer", "name", "hkv1");
        ns.exec("ip", "link", "add", "link", "hkv0", "name", "hkm0", "type", "macvlan", "mode", "private");
        ns.exec("ip", "link", "set", "hkv0", "up");
        try (RtNetlink rt = rtIn(ns)) {
            List<Link> links = rt.links();
            JsonNode ip = ipJson(ns, "-d", "link", "show");
            assertThat(links).hasSize(ip.size());
            for (Link l : links) {
                assertSameAsIp(l, byName(ip, l.name()));
            }
            Link m = rt.link("hkm0").orElseThrow();
            assertThat(m.kind()).isEqualTo(new LinkKind.Macvlan(MacvlanMode.PRIVATE));
            assertThat(m.parentIndex()).isEqualTo(rt.link("hkv0").orElseThrow().index());
            assertThat(rt.link(m.index())).contains(m);
            assertThat(rt.link("hknothere")).isEmpty();
            assertThat(rt.link(99999)).isEmpty();
        }
    }

    @Test
    void createsMacvlanInsideAnotherNamespaceUnderItsFinalNameAndUp(TestNetns host, TestNetns container)
            throws Exception {
        host.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        host.exec("ip", "link", "set", "hkp0", "up");
        String name = TestNames.next("mv");
        try (NetNamespace target = container.open();
                RtNetlink rt = rtIn(host)) {
            int parent = rt.link("hkp0").orElseThrow().index();
            MacAddress mac = MacAddress.parse("02:42:ac:11:00:07");
            Link made = rt.createLink(LinkSpec.macvlan(name, parent, MacvlanMode.BRIDGE)
                    .withMtu(1400)
                    .withMac(mac)
                    .up()
                    .inNamespace(target));
            assertThat(made.name()).isEqualTo(name);
            assertThat(made.isUp()).isTrue();
            assertThat(made.mtu()).isEqualTo(1400);
            assertThat(made.mac()).isEqualTo(mac);
            assertThat(made.kind()).isEqualTo(new LinkKind.Macvlan(MacvlanMode.BRIDGE));
            assertThat(made.linkNetnsId()).isGreaterThanOrEqualTo(0);
            assertSameAsIp(made, byName(ipJson(container, "-d", "link", "show"), name));
            try (RtNetlink inside = RtNetlink.open(target);
                    NetNamespace hostNs = host.open()) {
                assertThat(inside.nsidOf(hostNs))
                        .as("the container's nsid for the parent's namespace")
                        .isEqualTo(made.linkNetnsId());
                assertThat(inside.namespaceCookie()).isNotEqualTo(rt.namespaceCookie());
            }
            // Nothing was left behind in the parent's namespace.
            assertThat(rt.links())
                    .noneMatch(l -> l.name().startsWith("hkt") || l.name().equals(name));
        }
    }

    @Test
    void removesTheHalfMadeLinkWhenTheRenameInsideTheTargetFails(TestNetns host, TestNetns container) throws Exception {
        host.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        container.exec("ip", "link", "add", "hktaken", "type", "veth", "peer", "name", "hktaken2");
        try (NetNamespace target = container.open();
                RtNetlink rt = rtIn(host)) {
            int parent = rt.link("hkp0").orElseThrow().index();
            assertThatThrownBy(() -> rt.createLink(LinkSpec.macvlan("hktaken", parent, MacvlanMode.BRIDGE)
                            .inNamespace(target)))
                    .isInstanceOf(NetlinkException.class)
                    .satisfies(e ->
                            assertThat(((NetlinkException) e).errno().name()).isEqualTo("EEXIST"))
                    .hasMessageContaining("rename");
            try (RtNetlink inside = RtNetlink.open(target)) {
                assertThat(inside.links())
                        .extracting(Link::name)
                        .noneMatch(n -> n.startsWith("hkt") && !n.startsWith("hktaken"));
            }
        }
    }

    @Test
    void changesStateMtuMacNameAndNamespaceOfALink(TestNetns ns, TestNetns other) throws Exception {
        ns.exec("ip", "link", "add", "hka0", "type", "veth", "peer", "name", "hka1");
        try (RtNetlink rt = rtIn(ns);
                NetNamespace otherNs = other.open()) {
            int idx = rt.link("hka0").orElseThrow().index();
            rt.setMtu(idx, 1280);
            rt.setMac(idx, MacAddress.parse("02:00:00:00:00:aa"));
            rt.rename(idx, "hka9");
            rt.setUp(idx, true);
            Link l = rt.link(idx).orElseThrow();
            assertThat(l.name()).isEqualTo("hka9");
            assertThat(l.mtu()).isEqualTo(1280);
            assertThat(l.mac()).hasToString("02:00:00:00:00:aa");
            assertThat(l.isUp()).isTrue();
            assertSameAsIp(l, byName(ipJson(ns, "-d", "link", "show"), "hka9"));
            rt.setUp(idx, false);
            assertThat(rt.link(idx).orElseThrow().isUp()).isFalse();

            rt.moveToNamespace(idx, otherNs);
            assertThat(rt.link("hka9")).isEmpty();
            try (RtNetlink o = RtNetlink.open(otherNs)) {
                Link moved = o.link("hka9").orElseThrow();
                o.deleteLink(moved.index());
                assertThat(o.link("hka9")).isEmpty();
            }
        }
    }

    @Test
    void movesALinkIntoTheNamespaceOfAProcess(TestNetns ns, TestNetns other) throws Exception {
        ns.exec("ip", "link", "add", "hkpid0", "type", "veth", "peer", "name", "hkpid1");
        Process sleeper = new ProcessBuilder("ip", "netns", "exec", other.name(), "sleep", "60").start();
        try (RtNetlink rt = rtIn(ns);
                NetNamespace target = other.open()) {
            java.nio.file.Path nsOfPid = java.nio.file.Path.of("/proc", Long.toString(sleeper.pid()), "ns", "net");
            for (int i = 0; i < 200 && !NetNamespace.idOf(nsOfPid).equals(target.id()); i++) {
                Thread.sleep(10); // until `ip netns exec` has entered the namespace
            }
            assertThat(NetNamespace.idOf(nsOfPid)).isEqualTo(target.id());
            rt.moveToNamespaceOfPid(rt.link("hkpid0").orElseThrow().index(), (int) sleeper.pid());
            assertThat(rt.link("hkpid0")).isEmpty();
            try (RtNetlink o = RtNetlink.open(target)) {
                assertThat(o.link("hkpid0")).isPresent();
            }
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    @Test
    void assignsAndLooksUpNsidsOfOtherNamespaces(TestNetns a, TestNetns b) {
        try (RtNetlink rt = rtIn(a);
                NetNamespace other = b.open()) {
            assertThat(rt.nsidOf(other)).isEqualTo(-1);
            int id = rt.assignNsid(other);
            assertThat(id).isGreaterThanOrEqualTo(0);
            assertThat(rt.nsidOf(other)).isEqualTo(id);
            assertThat(rt.assignNsid(other)).isEqualTo(id);
            assertThat(a.exec("ip", "netns", "list-id")).contains("nsid " + id);
        }
    }

    @Test
    void reportsKernelErrorsWithOperationTargetAndErrno(TestNetns ns) {
        try (RtNetlink rt = rtIn(ns)) {
            assertThatThrownBy(() -> rt.createLink(LinkSpec.macvlan("hkbad0", 99999, MacvlanMode.BRIDGE)))
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageStartingWith("create macvlan(hkbad0 on parent index 99999): ")
                    .satisfies(e ->
                            assertThat(((NetlinkException) e).errno().name()).isIn("ENODEV", "EINVAL"));
            assertThatThrownBy(() -> rt.deleteLink("hkmissing"))
                    .isInstanceOf(NetlinkException.class)
                    .satisfies(e ->
                            assertThat(((NetlinkException) e).errno().name()).isEqualTo("ENODEV"));
        }
    }
}
