package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlChannel;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.hostkit.netlink.LinksIT.rtIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A dump the kernel marks interrupted ({@code NLM_F_DUMP_INTR}, forced here from the second reply message on, after the
 * first link was already handed out) is started again and returned whole, once. Without the retry the list would be
 * short; without the restart it would hold the first link twice.
 */
@HostTest
class DumpInterruptionIT {

    @Test
    void interruptedDumpIsRetriedFromTheStartAndReturnedWhole(TestNetns ns) {
        ns.exec("ip", "link", "add", "hki0", "type", "veth", "peer", "name", "hki1");
        try (RtNetlink rt = rtIn(ns)) {
            List<String> expected = rt.links().stream().map(Link::name).toList();
            assertThat(expected).contains("lo", "hki0", "hki1");
            long retriedBefore = RtnlChannel.interruptedDumps();
            rt.channel().forceDumpInterruptions(2);
            List<String> got = new ArrayList<>();
            AtomicInteger restarts = new AtomicInteger();
            rt.dumpLinks(l -> got.add(l.name()), () -> {
                restarts.incrementAndGet();
                got.clear();
            });
            assertThat(restarts)
                    .as("the sink was told to start over after each interruption")
                    .hasValue(2);
            assertThat(RtnlChannel.interruptedDumps() - retriedBefore)
                    .as("interruptions counted")
                    .isEqualTo(2);
            assertThat(got).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void dumpInterruptedEveryTimeGivesUpWithEintrNeverHalfAList(TestNetns ns) {
        try (RtNetlink rt = rtIn(ns)) {
            rt.channel().forceDumpInterruptions(RtnlChannel.DUMP_ATTEMPTS);
            assertThatThrownBy(rt::links)
                    .isInstanceOf(NetlinkException.class)
                    .hasMessageContaining("EINTR")
                    .hasMessageContaining("interrupted by concurrent changes 5 times in a row");
            assertThat(rt.links()).extracting(Link::name).contains("lo"); // the channel works afterwards
        }
    }
}
