package dev.hostkit.netlink.internal;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.testkit.HostTest;
import dev.hostkit.testkit.TestNetns;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

@HostTest
class NetlinkSocketIT {
    @Test
    void aDatagramLargerThanTheReceiveBufferIsReceivedWholeNotCut(TestNetns ns) {
        try (NetNamespace n = ns.open();
                NetlinkSocket sender = n.run(() -> NetlinkSocket.open(0, 0));
                NetlinkSocket receiver = n.run(() -> NetlinkSocket.open(0, 1 << 20))) {
            int size = 150_000; // more than the 64 KiB a socket starts with
            ByteBuffer big = ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
            for (int i = 0; i < size; i++) {
                big.put(i, (byte) (i * 31));
            }
            sender.send(big, receiver.portId());
            ByteBuffer got = receiver.receive();
            assertThat(got.limit()).isEqualTo(size);
            assertThat(got.get(size - 1)).isEqualTo((byte) ((size - 1) * 31));
            assertThat(got.get(70_000)).isEqualTo((byte) (70_000 * 31));
        }
    }
}
