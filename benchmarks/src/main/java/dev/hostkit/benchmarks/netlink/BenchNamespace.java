package dev.hostkit.benchmarks.netlink;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.Batch;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.testkit.TestNetns;

/**
 * A throwaway testkit namespace with a veth parent ({@code hkbp}) for the netlink benchmarks; {@link #close()} (also
 * run from a shutdown hook, so an interrupted benchmark leaves nothing) deletes it with everything in it.
 */
final class BenchNamespace implements AutoCloseable {
    static final String PARENT = "hkbp";

    final String name;
    final RtNetlink rt;
    int parentIndex;
    private final TestNetns ns;
    private final Thread hook;
    private boolean closed;

    BenchNamespace(String role) {
        ns = TestNetns.create();
        name = ns.name();
        hook = new Thread(this::delete, "hkbench-cleanup-" + role);
        Runtime.getRuntime().addShutdownHook(hook);
        ns.exec("ip", "link", "add", PARENT, "type", "veth", "peer", "name", "hkbq");
        ns.exec("ip", "link", "set", PARENT, "up");
        try (NetNamespace handle = ns.open()) {
            rt = RtNetlink.open(handle);
        }
        parentIndex = rt.link(PARENT).orElseThrow().index();
    }

    /** Creates {@code n} macvlans {@code hkm0..} (up, no address) with hostkit, pipelined. */
    void createMacvlans(int n) {
        Batch b = rt.batch();
        for (int i = 0; i < n; i++) {
            b.createLink(
                    LinkSpec.macvlan("hkm" + i, parentIndex, MacvlanMode.BRIDGE).up());
        }
        b.executeOrThrow();
    }

    /**
     * Deletes every macvlan by deleting their parent (the kernel then unregisters them all in one go, instead of
     * one RCU grace period per link) and makes a fresh parent.
     */
    void deleteMacvlans() {
        rt.deleteLink(parentIndex);
        parentIndex = rt.createLink(LinkSpec.veth(PARENT, "hkbq", null).up()).index();
        if (rt.links().stream().anyMatch(l -> l.kind() instanceof LinkKind.Macvlan)) {
            throw new IllegalStateException("macvlans survived their parent");
        }
    }

    /**
     * The bytes the kernel sends for one link dump as {@link RtNetlink#links()} requests it (the denominator of the
     * allocation goal), counted by a second handle on the same namespace.
     */
    long kernelBytesPerLinkDump() {
        try (NetNamespace handle = ns.open();
                RtNetlink counter = RtNetlink.open(handle)) {
            long before = counter.receivedBytes();
            counter.links();
            return counter.receivedBytes() - before;
        }
    }

    private synchronized void delete() {
        if (!closed) {
            closed = true;
            rt.close();
            ns.close();
        }
    }

    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs anyway.
        }
    }
}
