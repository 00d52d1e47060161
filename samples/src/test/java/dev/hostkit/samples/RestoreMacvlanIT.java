package dev.hostkit.samples;

import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.Sh;
import dev.hostkit.testkit.TestNetns;
import dev.hostkit.testkit.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RestoreMacvlan} through the incident: a namespace's macvlan on a veth parent, snapshotted; the parent deleted
 * (the kernel deletes the macvlan with it) and made again under its name; the second run puts the macvlan back.
 */
@HostTest
class RestoreMacvlanIT {
    @TempDir
    Path dir;

    @Test
    void secondRunRestoresTheMacvlanWithItsMacAndAddressAfterTheParentReturns(TestNetns ns, VethPair parent)
            throws Exception {
        Sh.run(
                "ip",
                "link",
                "add",
                "link",
                parent.hostName(),
                "name",
                "eth1",
                "netns",
                ns.name(),
                "address",
                "02:42:0a:00:00:07",
                "type",
                "macvlan",
                "mode",
                "bridge");
        ns.exec("ip", "addr", "add", "10.0.0.7/24", "dev", "eth1");
        ns.exec("ip", "link", "set", "eth1", "up");
        Path state = dir.resolve("state");

        SampleRun first = SampleRun.of(
                RestoreMacvlan.class,
                state.toString(),
                parent.hostName(),
                ns.path().toString());
        assertThat(first.status()).isZero();
        assertThat(first.stdout())
                .contains("SNAPSHOT eth1 on " + parent.hostName())
                .contains("1 guarded, 0 missing, 0 repaired");

        Sh.run("ip", "link", "del", parent.hostName()); // the driver reload
        assertThat(ns.exec("ip", "-o", "link")).doesNotContain("eth1");
        Sh.run("ip", "link", "add", parent.hostName(), "type", "veth", "peer", "name", parent.peerName());
        Sh.run("ip", "link", "set", parent.hostName(), "up"); // the parent is back, new index

        SampleRun second = SampleRun.of(
                RestoreMacvlan.class,
                state.toString(),
                parent.hostName(),
                ns.path().toString());
        assertThat(second.status()).isZero();
        assertThat(second.stdout())
                .contains("REPAIRED eth1 on " + parent.hostName())
                .contains("1 guarded, 0 missing, 1 repaired");
        assertThat(ns.exec("ip", "-o", "-d", "link", "show", "eth1"))
                .contains("02:42:0a:00:00:07", "macvlan mode bridge");
        assertThat(ns.exec("ip", "-o", "-4", "addr", "show", "eth1")).contains("10.0.0.7/24");
    }
}
