package dev.hostkit.doctor;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.guard.NamespaceSource;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNames;
import dev.hostkit.testkit.TestNetns;
import dev.hostkit.testkit.VethPair;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The macvlan inventory on real namespaces: named ones (no process inside) are surveyed too. */
@HostTest
class DoctorMacvlanIT {
    @Test
    void listsEachNamedNamespacesMacvlanWithItsHostParentAndMode(TestNetns a, TestNetns b, VethPair parent)
            throws Exception {
        String ma = TestNames.next("m");
        String mb = TestNames.next("m");
        Sh.run("ip", "link", "add", ma, "link", parent.hostName(), "type", "macvlan", "mode", "bridge");
        Sh.run("ip", "link", "set", ma, "netns", a.name());
        Sh.run("ip", "link", "add", mb, "link", parent.hostName(), "type", "macvlan", "mode", "private");
        Sh.run("ip", "link", "set", mb, "netns", b.name());

        DoctorReport r = Doctor.examine(
                List.of(new MacvlanCheck(NamespaceSource.of(List.of(a.path(), b.path())), new LinkDumps())));

        assertThat(r.cannotSee()).isEmpty();
        assertThat(r.sections().get("macvlan"))
                .containsEntry("namespacesInspected", 2)
                .containsEntry("macvlans", 2);
        assertThat(r.sections().get("macvlan").get("interfaces"))
                .asList()
                .containsExactly(
                        "net:[" + Files.readAttributes(a.path(), "unix:ino").get("ino") + "] " + a.path() + " " + ma
                                + " on " + parent.hostName() + " mode BRIDGE",
                        "net:[" + Files.readAttributes(b.path(), "unix:ino").get("ino") + "] " + b.path() + " " + mb
                                + " on " + parent.hostName() + " mode PRIVATE");
        assertThat(PrometheusText.of(r.metrics())).contains("hostkit_macvlans 2");
    }

    @Test
    void eachNamespaceIsDumpedOnceAndAPathThatNamesAnotherNamespaceIsAFailure(TestNetns a, TestNetns b) {
        LinkDumps dumps = new LinkDumps();
        NetNamespace.NsId idA = NamespaceSource.statId(a.path());

        LinkDumps.Dump first = dumps.of(idA, a.path());
        LinkDumps.Dump again = dumps.of(idA, a.path());
        LinkDumps.Dump wrong = new LinkDumps().of(idA, b.path());

        assertThat(first.ok()).isTrue();
        assertThat(first.links()).extracting(dev.hostkit.netlink.Link::name).contains("lo");
        assertThat(first.cookie()).isPositive();
        assertThat(again).isSameAs(first);
        assertThat(wrong.ok()).isFalse();
        assertThat(wrong.failure()).isEqualTo(b.path() + " names another namespace by now");
    }
}
