package dev.hostkit.testkit;

/**
 * A throwaway veth pair, both ends up: {@link #hostName()} stays in the test's namespace (or the one
 * given), {@link #peerName()} optionally goes into another. {@link #close()} deletes it.
 * A veth end is the stand-in for a NIC or VLAN parent here: macvlans attach to it.
 *
 * <pre>{@code
 * @HostTest
 * class ParentLossIT {
 *     @Test
 *     void macvlanDiesWithItsParent(TestNetns ns, VethPair parent) {   // host-namespace pair, both ends up
 *         String mv = TestNames.next("mv");
 *         Sh.run("ip", "link", "add", mv, "link", parent.hostName(), "type", "macvlan", "mode", "bridge");
 *         Sh.run("ip", "link", "set", mv, "netns", ns.name());
 *         Sh.run("ip", "link", "del", parent.hostName());                // the "NIC" goes away
 *         assertThat(Sh.exec("ip", "netns", "exec", ns.name(), "ip", "link", "show", mv).ok()).isFalse();
 *     }
 * }
 *
 * try (TestNetns a = TestNetns.create(); TestNetns b = TestNetns.create();
 *      VethPair wire = VethPair.create(a, b)) {                         // host end in a, peer end in b
 *     a.exec("ip", "addr", "add", "10.9.0.1/30", "dev", wire.hostName());
 * }
 * }</pre>
 */
public final class VethPair implements AutoCloseable {
    private final String hostName;
    private final String peerName;
    private final TestNetns hostNs;
    private boolean closed;

    private VethPair(String hostName, String peerName, TestNetns hostNs) {
        this.hostName = hostName;
        this.peerName = peerName;
        this.hostNs = hostNs;
    }

    /**
     * Creates a veth pair with fresh names.
     *
     * @param hostNs where both ends are created, or {@code null} for the current (host) namespace
     * @param peerNs where the peer end is moved, or {@code null} to leave it beside the host end
     * @return the pair, both ends up
     */
    public static VethPair create(TestNetns hostNs, TestNetns peerNs) {
        Prerequisites.requireRoot();
        Prerequisites.requireCommand("ip");
        VethPair pair = new VethPair(TestNames.next("v"), TestNames.next("p"), hostNs);
        pair.ip("link", "add", pair.hostName, "type", "veth", "peer", "name", pair.peerName);
        try {
            pair.ip("link", "set", pair.hostName, "up");
            if (peerNs != null) {
                pair.ip("link", "set", pair.peerName, "netns", peerNs.name());
                peerNs.exec("ip", "link", "set", pair.peerName, "up");
            } else {
                pair.ip("link", "set", pair.peerName, "up");
            }
        } catch (RuntimeException e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    private void ip(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        if (hostNs == null) {
            Sh.run(cmd);
        } else {
            hostNs.exec(cmd);
        }
    }

    /** The end in the creating namespace. */
    public String hostName() {
        return hostName;
    }

    /** The other end. */
    public String peerName() {
        return peerName;
    }

    /** Deletes the pair (deleting one end removes both). Idempotent; a pair already gone is fine. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (hostNs == null) {
                Sh.exec("ip", "link", "del", hostName);
            } else {
                Sh.exec("ip", "netns", "exec", hostNs.name(), "ip", "link", "del", hostName);
            }
        }
    }
}
