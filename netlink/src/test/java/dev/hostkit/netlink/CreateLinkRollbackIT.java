package dev.hostkit.netlink;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code createLink} into another namespace, failing after each of its steps (a fault hook), against real
 * namespaces: whatever the step, no link is left in either namespace under any name.
 */
@HostTest
class CreateLinkRollbackIT {

    private static final class Injected extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Injected(RtNetlink.CreateStep step) {
            super("injected failure after " + step);
        }
    }

    private static Set<String> links(RtNetlink rt) {
        Set<String> s = new TreeSet<>();
        rt.links().forEach(l -> s.add(l.index() + ":" + l.name()));
        return s;
    }

    // Each step of the creation inside a namespace, with a socket opened for the call and with a handle the caller
    // keeps
    // there (a daemon's session): the handle must still answer afterwards.
    static Stream<Arguments> stepsAndHandles() {
        return Stream.of("OPEN_TARGET_SOCKET", "CREATE", "FIND", "RENAME", "READ_BACK")
                .flatMap(step -> Stream.of(
                        Arguments.of(RtNetlink.CreateStep.valueOf(step), false),
                        Arguments.of(RtNetlink.CreateStep.valueOf(step), true)));
    }

    @ParameterizedTest(name = "{0}, kept handle {1}")
    @MethodSource("stepsAndHandles")
    void failureAfterAnyStepLeavesNoLinkInEitherNamespace(
            RtNetlink.CreateStep failAt, boolean keptHandle, TestNetns host, TestNetns container) {
        host.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        host.exec("ip", "link", "set", "hkp0", "up");
        String name = TestNames.next("mv");
        try (NetNamespace target = container.open();
                RtNetlink rt = LinksIT.rtIn(host);
                RtNetlink inside = RtNetlink.open(target)) {
            Set<String> hostBefore = links(rt);
            Set<String> containerBefore = links(inside);
            int parent = rt.link("hkp0").orElseThrow().index();
            LinkSpec spec =
                    LinkSpec.macvlan(name, parent, MacvlanMode.BRIDGE).up().inNamespace(target);
            RtNetlink.CreateStep.Hook faults = step -> {
                if (step == failAt) {
                    throw new Injected(step);
                }
            };
            assertThatThrownBy(() -> {
                        if (keptHandle) {
                            rt.createLink(spec, inside, faults);
                        } else {
                            rt.createLink(spec, faults);
                        }
                    })
                    .isInstanceOf(Injected.class);
            assertThat(links(rt))
                    .as("host namespace after a failure after %s", failAt)
                    .isEqualTo(hostBefore);
            assertThat(links(inside))
                    .as("target namespace after a failure after %s", failAt)
                    .isEqualTo(containerBefore);
            // And the same call without faults works: nothing half-made is in the way.
            Link made = keptHandle ? rt.createLink(spec, "hktabc123abc123", inside) : rt.createLink(spec);
            assertThat(made.name()).isEqualTo(name);
            assertThat(made.isUp()).isTrue();
            assertThat(inside.link(name)).map(Link::index).contains(made.index());
        }
    }

    @Test
    void aHandleInAnotherNamespaceOrClosedIsRefusedBeforeAnythingIsMade(
            TestNetns host, TestNetns container, TestNetns other) {
        host.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        String name = TestNames.next("mv");
        try (NetNamespace target = container.open();
                NetNamespace elsewhere = other.open();
                RtNetlink rt = LinksIT.rtIn(host);
                RtNetlink wrong = RtNetlink.open(elsewhere)) {
            Set<String> hostBefore = links(rt);
            int parent = rt.link("hkp0").orElseThrow().index();
            LinkSpec spec = LinkSpec.macvlan(name, parent, MacvlanMode.BRIDGE).inNamespace(target);
            assertThatThrownBy(() -> rt.createLink(spec, "hktabc123abc123", wrong))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("in another namespace, " + elsewhere.id());
            RtNetlink closed = RtNetlink.open(target);
            closed.close();
            assertThatThrownBy(() -> rt.createLink(spec, "hktabc123abc123", closed))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is closed");
            assertThatThrownBy(() ->
                            rt.createLink(LinkSpec.macvlan(name, parent, MacvlanMode.BRIDGE), "hktabc123abc123", wrong))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("has no target namespace");
            assertThat(links(rt)).isEqualTo(hostBefore);
            try (RtNetlink inside = RtNetlink.open(target)) {
                assertThat(inside.link(name)).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = RtNetlink.CreateStep.class,
            names = {"CREATE", "READ_BACK"})
    void failureAfterCreatingInTheHandlesOwnNamespaceLeavesNoLink(RtNetlink.CreateStep failAt, TestNetns host) {
        host.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        try (RtNetlink rt = LinksIT.rtIn(host)) {
            Set<String> before = links(rt);
            int parent = rt.link("hkp0").orElseThrow().index();
            assertThatThrownBy(() ->
                            rt.createLink(LinkSpec.macvlan(TestNames.next("mv"), parent, MacvlanMode.BRIDGE), step -> {
                                if (step == failAt) {
                                    throw new Injected(step);
                                }
                            }))
                    .isInstanceOf(Injected.class);
            assertThat(links(rt)).isEqualTo(before);
        }
    }

    @Test
    void failedRollbackSaysSoAndNamesTheRenamedLinkLeftBehind(TestNetns host, TestNetns container) {
        host.exec("ip", "link", "add", "hkp0", "type", "veth", "peer", "name", "hkp1");
        String name = TestNames.next("mv");
        try (NetNamespace target = container.open();
                RtNetlink rt = LinksIT.rtIn(host);
                RtNetlink inside = RtNetlink.open(target)) {
            int parent = rt.link("hkp0").orElseThrow().index();
            LinkSpec spec = LinkSpec.macvlan(name, parent, MacvlanMode.BRIDGE).inNamespace(target);
            Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> rt.createLink(spec, step -> {
                if (step == RtNetlink.CreateStep.RENAME) {
                    throw new Injected(step);
                }
                if (step == RtNetlink.CreateStep.ROLLBACK) {
                    throw new NetlinkException("delete link", "injected", dev.hostkit.core.Errno.EPERM.number(), null);
                }
            }));
            Link left = inside.link(name)
                    .orElseThrow(() -> new AssertionError("the renamed link should be left: " + thrown));
            assertThat(thrown)
                    .isInstanceOf(NetlinkRollbackException.class)
                    .hasMessageContaining("EPERM")
                    .hasMessageContaining(
                            "it is left behind (delete it by hand); the change had failed with: injected failure after RENAME")
                    .hasCauseInstanceOf(Injected.class);
            assertThat(((NetlinkRollbackException) thrown).leftBehind())
                    .matches("link index " + left.index() + " \\(created as hkt[0-9a-f]{12}\\) in namespace "
                            + java.util.regex.Pattern.quote(target.path().toString()));
            inside.deleteLink(left.index());
            assertThat(List.copyOf(links(inside))).noneMatch(l -> l.endsWith(":" + name));
        }
    }
}
