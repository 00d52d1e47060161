package dev.hostkit.netlink.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;

/**
 * Small direct buffers lent to netlink sockets and request builders for one exchange at a time. A guardian keeps two
 * sockets per guarded namespace open for months but uses them a few times a minute at most; when each kept its own
 * 4 KB receive and send buffers (touched, as allocateDirect zeroes them), 100 namespaces held 1.2 MB of them
 * (benchmarks/results/guard-footprint.md, session 8). Lent, they number as many as exchanges run at once.
 */
final class ScratchBuffers {
    static final int SIZE = 4 * 1024;
    // More than the guardian's repair workers and watcher ever use at once; any beyond are left to the collector.
    private static final int MAX_KEPT = 32;
    private static final ArrayDeque<ByteBuffer> FREE = new ArrayDeque<>(); // LIFO: the last one used is still warm

    private ScratchBuffers() {}

    /** A cleared {@link #SIZE}-byte direct buffer in native order, kept or new. */
    static ByteBuffer take() {
        ByteBuffer b;
        synchronized (FREE) {
            b = FREE.pollFirst();
        }
        return b != null ? b.clear() : ByteBuffer.allocateDirect(SIZE).order(ByteOrder.nativeOrder());
    }

    /** Hands back a buffer from {@link #take()}; its holder must not touch it afterwards. Others are ignored. */
    static void give(ByteBuffer b) {
        if (b == null || b.capacity() != SIZE || !b.isDirect()) {
            return;
        }
        synchronized (FREE) {
            if (FREE.size() < MAX_KEPT) {
                FREE.addFirst(b);
            }
        }
    }

    /** For tests: how many buffers are waiting to be lent. */
    static int kept() {
        synchronized (FREE) {
            return FREE.size();
        }
    }
}
