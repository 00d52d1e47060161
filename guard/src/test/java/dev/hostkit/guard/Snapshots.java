package dev.hostkit.guard;

import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.AddressFamily;
import dev.hostkit.netlink.AddressFlag;
import dev.hostkit.netlink.Cidr;
import dev.hostkit.netlink.IpvlanFlag;
import dev.hostkit.netlink.IpvlanMode;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;
import dev.hostkit.netlink.Route;

import java.nio.file.Path;
import java.util.List;

/** Snapshot values for unit tests. */
final class Snapshots {
    private Snapshots() {}

    static NamespaceRef ns(long inode) {
        return new NamespaceRef(4, inode, 77, 4242, Path.of("/proc/4242/ns/net"));
    }

    static InterfaceSnapshot eth1(NamespaceRef ns) {
        return new InterfaceSnapshot(
                ns,
                7,
                "eth1",
                MacAddress.parse("02:42:ac:11:00:02"),
                1500,
                MacvlanMode.BRIDGE,
                true,
                new HostParent.Existing("hkpar0"),
                5,
                List.of(
                        Address.of(7, "10.9.0.2/24")
                                .withBroadcast(Cidr.address("10.9.0.255"))
                                .withLabel("eth1")
                                .withFlags(AddressFlag.PERMANENT),
                        Address.of(7, "fd00:9::2/64").withFlags(AddressFlag.PERMANENT, AddressFlag.NODAD)),
                List.of(
                        Route.defaultRoute(AddressFamily.INET).via("10.9.0.1").dev(7),
                        Route.to("192.168.7.0/24")
                                .via("10.99.0.1")
                                .dev(7)
                                .withTable(100)
                                .withMetric(20)
                                .withProtocol(Route.PROTOCOL_STATIC)
                                .onlink()
                                .withPreferredSource("10.9.0.2"),
                        Route.defaultRoute(AddressFamily.INET6)
                                .via("fd00:9::1")
                                .dev(7)
                                .withMetric(1024)),
                1_700_000_000_000L);
    }

    /** {@link #eth1} as an ipvlan in {@code mode} with {@code flag} (the same addresses and routes). */
    static InterfaceSnapshot ipvlan(NamespaceRef ns, IpvlanMode mode, IpvlanFlag flag) {
        InterfaceSnapshot s = eth1(ns);
        return new InterfaceSnapshot(
                ns,
                s.ifindex(),
                s.name(),
                s.mac(),
                s.mtu(),
                new LinkKind.Ipvlan(mode, flag),
                s.up(),
                s.parent(),
                s.parentIndex(),
                s.addresses(),
                s.routes(),
                s.takenAtMillis());
    }

    static InterfaceSnapshot named(InterfaceSnapshot s, String name) {
        return new InterfaceSnapshot(
                s.namespace(),
                s.ifindex(),
                name,
                s.mac(),
                s.mtu(),
                s.kind(),
                s.up(),
                s.parent(),
                s.parentIndex(),
                s.addresses(),
                s.routes(),
                s.takenAtMillis());
    }
}
