package dev.hostkit.samples.docs;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.EventGroup;
import dev.hostkit.netlink.EventSubscription;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.NetlinkEvent;
import dev.hostkit.netlink.NetlinkException;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.RtNetlink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The example of {@code netlink/README.md}, kept here so the page compiles against the real API.
 * {@link ReadmeExamplesIT} runs it in a throwaway namespace on a veth parent.
 */
final class NetlinkExample {
    private NetlinkExample() {}

    /** Gives the container at {@code containerNs} a macvlan {@code eth1} on {@code hostParent}; returns what it saw. */
    static List<NetlinkEvent> giveMacvlan(Path containerNs, String hostParent) {
        // --- README example starts
        try (NetNamespace container = NetNamespace.open(containerNs); // or NetNamespace.ofPid(pid), .named("blue")
                RtNetlink host = RtNetlink.open(); // the calling thread's namespace
                RtNetlink inside = RtNetlink.open(container); // socket made inside, used from any thread
                EventSubscription events =
                        inside.subscribe(EnumSet.of(EventGroup.LINK, EventGroup.IPV4_ADDRESS, EventGroup.IPV4_ROUTE))) {

            int parent = host.link(hostParent).orElseThrow().index();
            // One RTM_NEWLINK creates it inside the container under a temporary name; then renamed and up there.
            // If the rename or read-back fails, the half-made link is deleted before the exception leaves.
            Link eth1 = host.createLink(LinkSpec.macvlan("eth1", parent, MacvlanMode.BRIDGE)
                    .withMac(MacAddress.parse("02:42:0a:00:00:02"))
                    .withMtu(1500)
                    .up()
                    .inNamespace(container));

            Address ip = Address.of(eth1.index(), "10.0.0.2/24");
            inside.batch() // pipelined: one datagram, every ACK matched
                    .addAddress(ip)
                    .addRoute(Route.defaultRoute(ip.family()).via("10.0.0.1").dev(eth1.index()))
                    .executeOrThrow(); // first failure thrown, the others suppressed

            List<NetlinkEvent> seen = new ArrayList<>();
            for (NetlinkEvent e; (e = events.poll(Duration.ofMillis(500))) != null; ) {
                if (e instanceof NetlinkEvent.ResyncNeeded) {
                    inside.links(); // the kernel dropped events: re-read the state
                }
                seen.add(e);
            }
            return seen;
        } catch (NetlinkException e) {
            // e.g. "create macvlan(hkt0a1b2c3d4e5f on parent index 7): ENODEV (No such device): <ext-ack text>"
            System.err.println(e.getMessage() + " [errno " + e.errno() + ", ext-ack '" + e.extAck() + "']");
            throw e;
        }
        // --- README example ends
    }
}
