package dev.hostkit.guard;

import dev.hostkit.guard.Guarded.Tracked;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Cidr;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.NetlinkEvent;
import dev.hostkit.netlink.NetlinkEvent.AddressEvent;
import dev.hostkit.netlink.NetlinkEvent.LinkEvent;
import dev.hostkit.netlink.NetlinkEvent.RouteEvent;
import dev.hostkit.netlink.OperState;
import dev.hostkit.netlink.RawAttributes;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.Scope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A repair's own burst of events (the lost link going, the new one made under a temporary name, renamed, set up, its
 * addresses and routes, the kernel's own routes) is not looked at again; anything a look would act on is.
 */
class EchoesTest {
    private static final int IFF_UP = 1;
    private static final int OLD = 3; // the index the link had before its parent went
    private static final int NEW = 7; // the repaired link's (Snapshots.eth1's)

    private static Guarded repaired() {
        NamespaceRef ns = Snapshots.ns(5);
        Guarded g = new Guarded(ns);
        // As a repair leaves it: the new index, the addresses and routes still naming the old one.
        InterfaceSnapshot before = Snapshots.eth1(ns);
        InterfaceSnapshot s = new InterfaceSnapshot(
                ns,
                OLD,
                before.name(),
                before.mac(),
                before.mtu(),
                before.kind(),
                before.up(),
                before.parent(),
                4,
                before.addresses().stream().map(a -> Repairer.restored(a, OLD)).toList(),
                before.routes().stream().map(r -> r.dev(OLD)).toList(),
                1L,
                before.hopLinks());
        g.ifaces.put(s.name(), new Tracked(s.recreated(NEW, 5, 2L)));
        return g;
    }

    private static Link link(int index, String name, boolean up, int mtu) {
        return new Link(
                index,
                name,
                up ? IFF_UP : 0,
                up ? OperState.UP : OperState.DOWN,
                mtu,
                MacAddress.parse("02:42:ac:11:00:02"),
                5,
                0,
                0,
                new dev.hostkit.netlink.LinkKind.Macvlan(MacvlanMode.BRIDGE),
                RawAttributes.EMPTY);
    }

    private static List<NetlinkEvent> repairBurst() {
        List<NetlinkEvent> b = new ArrayList<>();
        // The parent went: the old link with its addresses and routes.
        b.add(new RouteEvent(
                true, Route.defaultRoute(AddressFamily.INET).via("10.9.0.1").dev(OLD), -1));
        b.add(new AddressEvent(true, Address.of(OLD, "10.9.0.2/24"), -1));
        b.add(new LinkEvent(true, link(OLD, "eth1", false, 1500), -1));
        // The repair.
        b.add(new LinkEvent(false, link(NEW, "hkt0123450001", false, 1500), -1));
        b.add(new LinkEvent(false, link(NEW, "eth1", false, 1500), -1));
        for (Address a : Snapshots.eth1(Snapshots.ns(5)).addresses()) {
            // As the kernel reports them: permanent, IPv6 without DAD as the repair sent it.
            Address sent = Repairer.restored(a, NEW);
            b.add(new AddressEvent(
                    false,
                    sent.family() == AddressFamily.INET6
                            ? sent.withFlags(AddressFlag.PERMANENT, AddressFlag.NODAD)
                            : sent.withFlags(AddressFlag.PERMANENT),
                    -1));
        }
        b.add(new AddressEvent(
                false, Address.of(NEW, "fe80::42:acff:fe11:2/64").withScope(Scope.LINK), -1)); // learnt: not PERMANENT
        b.add(new LinkEvent(false, link(NEW, "eth1", true, 1500), -1));
        b.add(new RouteEvent(false, Route.to("10.9.0.0/24").dev(NEW).withProtocol(Route.PROTOCOL_KERNEL), -1));
        for (Route r : Snapshots.eth1(Snapshots.ns(5)).routes()) {
            b.add(new RouteEvent(false, r.dev(NEW), -1));
        }
        return b;
    }

    @Test
    void aRepairsOwnBurstIsAnEcho() {
        assertThat(Echoes.onlyEchoes(repaired(), repairBurst())).isTrue();
    }

    @Test
    void anythingALookWouldActOnInTheSameBurstIsSeen() {
        List<NetlinkEvent> changes = List.of(
                new AddressEvent(false, Address.of(NEW, "10.9.0.3/24"), -1), // an address added
                new AddressEvent(true, Address.of(NEW, "10.9.0.2/24"), -1), // one removed
                new AddressEvent(
                        false,
                        Address.of(NEW, "10.9.0.2/24")
                                .withBroadcast(Cidr.address("10.9.0.255"))
                                .withLabel("eth1")
                                .withFlags(AddressFlag.PERMANENT, AddressFlag.NOPREFIXROUTE),
                        -1), // changed in a flag a repair restores
                new LinkEvent(false, link(NEW, "eth1", false, 1500), -1), // set down after the repair
                new LinkEvent(false, link(NEW, "eth1", true, 1400), -1), // another MTU
                new LinkEvent(false, link(NEW, "eth2", true, 1500), -1), // renamed
                new LinkEvent(true, link(NEW, "eth1", true, 1500), -1), // deleted again
                new LinkEvent(false, link(9, "eth9", true, 1500), -1), // another link
                new RouteEvent(false, Route.to("10.1.0.0/16").via("10.9.0.1").dev(NEW), -1), // a route added
                new RouteEvent(
                        true,
                        Route.defaultRoute(AddressFamily.INET).via("10.9.0.1").dev(NEW),
                        -1),
                new RouteEvent(false, Route.to("10.2.0.0/16").via("10.8.0.1").dev(9), -1), // a route elsewhere
                new NetlinkEvent.ResyncNeeded(-1)); // events were lost
        for (NetlinkEvent change : changes) {
            List<NetlinkEvent> burst = repairBurst();
            burst.add(change);
            assertThat(Echoes.onlyEchoes(repaired(), burst)).as("%s", change).isFalse();
        }
    }

    @Test
    void anUnknownBurstOrAnInterfaceNotSettledIsLookedAt() {
        assertThat(Echoes.onlyEchoes(repaired(), null)).isFalse();
        assertThat(Echoes.onlyEchoes(repaired(), List.of())).isFalse();
        Guarded missing = repaired();
        missing.ifaces.values().iterator().next().missing = true;
        assertThat(Echoes.onlyEchoes(missing, repairBurst())).isFalse();
    }
}
