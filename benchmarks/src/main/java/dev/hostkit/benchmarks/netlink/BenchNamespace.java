package dev.hostkit.benchmarks.netlink;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.Batch;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.RtNetlink;
import dev.hostkit.netlink.internal.MessageBuilder;
import dev.hostkit.netlink.internal.MessageParser;
import dev.hostkit.netlink.internal.NetlinkSocket;
import dev.hostkit.netlink.internal.RtnlConstants;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A throwaway {@code hkbench...} network namespace with a veth parent ({@code hkbp}) for the netlink benchmarks;
 * {@link #close()} (also run from a shutdown hook) deletes it with everything in it.
 */
final class BenchNamespace implements AutoCloseable {
    static final String PARENT = "hkbp";

    final String name;
    final RtNetlink rt;
    int parentIndex;
    private final Thread hook;
    private boolean closed;

    BenchNamespace(String role) throws IOException, InterruptedException {
        byte[] r = new byte[3];
        new SecureRandom().nextBytes(r);
        name = "hkbench" + role + HexFormat.of().formatHex(r);
        hook = new Thread(this::delete, "hkbench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        sh("ip", "netns", "add", name);
        sh("ip", "-n", name, "link", "add", PARENT, "type", "veth", "peer", "name", "hkbq");
        sh("ip", "-n", name, "link", "set", PARENT, "up");
        try (NetNamespace ns = NetNamespace.named(name)) {
            rt = RtNetlink.open(ns);
        }
        parentIndex = rt.link(PARENT).orElseThrow().index();
    }

    /** Creates {@code n} macvlans {@code hkm0..} (up, no address) with hostkit, pipelined. */
    void createMacvlans(int n) {
        Batch b = rt.batch();
        for (int i = 0; i < n; i++) {
            b.createLink(LinkSpec.macvlan("hkm" + i, parentIndex, MacvlanMode.BRIDGE).up());
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
     * The bytes the kernel sends for one link dump as {@link RtNetlink#links()} requests it, counted on a raw
     * socket of the same namespace (the denominator of the allocation goal).
     */
    long kernelBytesPerLinkDump() {
        try (NetNamespace ns = NetNamespace.named(name);
             NetlinkSocket socket = ns.run(() -> NetlinkSocket.open(0, 0))) {
            MessageBuilder m = new MessageBuilder(64);
            m.beginMessage(RtnlConstants.RTM_GETLINK, RtnlConstants.NLM_F_REQUEST | RtnlConstants.NLM_F_DUMP, 1);
            m.ifinfomsg(0, 0, 0, 0, 0);
            m.attrU32(RtnlConstants.IFLA_EXT_MASK, RtnlConstants.RTEXT_FILTER_SKIP_STATS);
            m.endMessage();
            socket.send(m.written());
            long total = 0;
            while (true) {
                ByteBuffer b = socket.receive();
                total += b.limit();
                for (int off = 0; off < b.limit(); ) {
                    int len = MessageParser.messageLength(b, off, b.limit());
                    if (MessageParser.type(b, off) == RtnlConstants.NLMSG_DONE) {
                        return total;
                    }
                    off += MessageParser.align(len);
                }
            }
        }
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private synchronized void delete() {
        if (!closed) {
            closed = true;
            try {
                rt.close();
                new ProcessBuilder("ip", "netns", "del", name).inheritIO().start().waitFor();
            } catch (IOException | InterruptedException e) {
                System.err.println("could not delete namespace " + name + ": " + e);
            }
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
