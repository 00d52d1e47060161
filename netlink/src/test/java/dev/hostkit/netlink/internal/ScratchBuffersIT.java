package dev.hostkit.netlink.internal;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.NetlinkException;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static dev.hostkit.netlink.internal.RtnlConstants.RTM_GETLINK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Buffers are lent for one exchange: an idle channel or socket holds none, a grown one keeps its own. */
@HostTest
class ScratchBuffersIT {
    private static final int AF_UNSPEC = 0;

    @Test
    void aChannelHoldsNoBufferBetweenExchangesWhateverTheirEnd(TestNetns ns) {
        try (NetNamespace n = ns.open();
                RtnlChannel ch = n.run(RtnlChannel::open)) {
            assertThat(ch.holdsBuffers()).isFalse();
            List<String> names = new ArrayList<>();
            ch.dump(
                    RTM_GETLINK,
                    m -> m.ifinfomsg(AF_UNSPEC, 0, 0, 0, 0),
                    (p, b, off, len) -> p.link(b, off, len).name(),
                    names::add,
                    names::clear,
                    "dump links",
                    "test namespace");
            assertThat(names).contains("lo");
            assertThat(ch.holdsBuffers()).isFalse();
            // An exchange that ends in the kernel's error gives its buffers back too.
            assertThatThrownBy(() -> ch.get(
                            RTM_GETLINK,
                            m -> m.ifinfomsg(AF_UNSPEC, 0, 987_654, 0, 0),
                            (p, b, off, len) -> p.link(b, off, len),
                            "get link",
                            "index 987654"))
                    .isInstanceOf(NetlinkException.class);
            assertThat(ch.holdsBuffers()).isFalse();
        }
    }

    @Test
    void aSocketGivesBackItsSmallBufferButKeepsOneThatGrew(TestNetns ns) {
        try (NetNamespace n = ns.open();
                NetlinkSocket sender = n.run(() -> NetlinkSocket.open(0, 0));
                NetlinkSocket receiver = n.run(() -> NetlinkSocket.open(0, 1 << 20))) {
            sender.send(datagram(100, 7), receiver.portId());
            ByteBuffer got = receiver.receive();
            assertThat(got.limit()).isEqualTo(100);
            assertThat(got.get(99)).isEqualTo((byte) 7);
            receiver.releaseReceiveBuffer();
            assertThat(receiver.holdsReceiveBuffer()).isFalse();

            sender.send(datagram(20_000, 9), receiver.portId());
            got = receiver.receive();
            assertThat(got.limit()).isEqualTo(20_000);
            assertThat(got.get(19_999)).isEqualTo((byte) 9);
            receiver.releaseReceiveBuffer();
            assertThat(receiver.holdsReceiveBuffer()).as("a grown buffer stays").isTrue();
        }
    }

    @Test
    void aLentBuilderBorrowsAgainAfterRelease() {
        MessageBuilder m = MessageBuilder.lent();
        assertThat(m.holdsBuffer()).isFalse();
        m.clear()
                .beginMessage(RTM_GETLINK, 0, 1)
                .ifinfomsg(AF_UNSPEC, 0, 1, 0, 0)
                .endMessage();
        assertThat(m.written().limit()).isEqualTo(32);
        m.release();
        assertThat(m.holdsBuffer()).isFalse();
        m.clear().beginMessage(RTM_GETLINK, 0, 2).endMessage();
        assertThat(m.written().limit()).isEqualTo(16);
        assertThat(m.written().getInt(8)).isEqualTo(2);
    }

    private static ByteBuffer datagram(int size, int fill) {
        ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) fill);
        }
        return b;
    }
}
