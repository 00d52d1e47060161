package dev.hostkit.guard;

import dev.hostkit.core.Errno;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.Batch;
import dev.hostkit.netlink.EventGroup;
import dev.hostkit.netlink.EventSubscription;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.LinkSpec;
import dev.hostkit.netlink.NetlinkException;
import dev.hostkit.netlink.Route;
import dev.hostkit.netlink.RtNetlink;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * The guardian's few kernel operations on top of {@link RtNetlink}: the host side (parents, creating a macvlan directly
 * inside a namespace, link events) and a verified session inside one guarded namespace. (Over 400 lines: every
 * netlink call the guardian makes is here, so the rest of it can be read, and tested, without the kernel's details.)
 */
final class GuardNet {
    /** Names {@link RtNetlink#createLink} gives a link before renaming it inside the target namespace. */
    static final Pattern TEMP_NAME = Pattern.compile("hkt[0-9a-f]{12}");

    /** Receive buffer per watched namespace: an overflow only costs a resync. */
    static final int WATCH_BUFFER = 128 * 1024;

    private GuardNet() {}

    /** The host's links by name and index, as of one dump. */
    static final class HostLinks {
        private final Map<String, Integer> byName = new HashMap<>();
        private final Map<Integer, Link> byIndex = new HashMap<>();

        HostLinks(List<Link> links) {
            for (Link l : links) {
                byName.put(l.name(), l.index());
                byIndex.put(l.index(), l);
            }
        }

        /** The link at {@code index}, or null. */
        Link link(int index) {
            return byIndex.get(index);
        }

        String nameOf(int index) {
            Link l = byIndex.get(index);
            return l == null ? null : l.name();
        }

        Integer indexOf(String name) {
            return byName.get(name);
        }

        Set<String> names() {
            return byName.keySet();
        }
    }

    /** A link name that was taken by the time the guardian renamed its new link to it. */
    static final class NameTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NameTakenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The guardian's tag in its temporary link names: 6 hex digits of a hash of its state directory. Stable across
     * restarts (a restarted guardian removes what its predecessor left) and distinct between guardians on distinct
     * directories (one directory has one guardian: its lock says so).
     */
    static String tagFor(Path stateDir) {
        return HexFormat.of()
                .toHexDigits(stateDir.toAbsolutePath().normalize().toString().hashCode())
                .substring(2);
    }

    /** A temporary name {@code hkt<tag><6 random hex>}, 15 bytes, matching {@link #TEMP_NAME}. */
    static String temporaryName(String tag) {
        return "hkt" + tag + HexFormat.of().formatHex(LibC.randomBytes(3));
    }

    /** Whether {@code name} is a temporary name of the guardian tagged {@code tag}. */
    static boolean isTemporaryOf(String tag, String name) {
        return TEMP_NAME.matcher(name).matches() && name.startsWith("hkt" + tag);
    }

    static Host host() {
        return new Host(RtNetlink.open());
    }

    /** A stand-in "host": {@code ns} plays the host's part (the start-up warm-up's private namespace). */
    static Host host(NetNamespace ns) {
        return new Host(RtNetlink.open(ns));
    }

    /** The host namespace's handle. */
    static final class Host implements AutoCloseable {
        private final RtNetlink nl;

        private Host(RtNetlink nl) {
            this.nl = nl;
        }

        NsId namespaceId() {
            return nl.namespace().id();
        }

        /** The host namespace's cookie, 0 before kernel 5.14. */
        long cookie() {
            return cookieOrUnknown(nl);
        }

        NetNamespace namespace() {
            return nl.namespace();
        }

        HostLinks links() {
            return new HostLinks(nl.links());
        }

        /** Creates a VLAN parent on its lower device, up. */
        void createVlan(HostParent.Vlan v, int lowerIndex) {
            nl.createLink(
                    LinkSpec.vlan(v.name(), lowerIndex, v.id(), v.protocol()).up());
        }

        /**
         * Creates the snapshot's macvlan (with its MAC) or ipvlan (its parent's MAC) directly inside {@code ns} under a
         * temporary name and renames it there (left down).
         *
         * @return the new link as read inside {@code ns}
         * @throws NameTakenException when the final name exists in {@code ns}
         */
        Link createChild(Ns ns, InterfaceSnapshot s, String temporaryName, int parentIndex) {
            String name = s.name();
            LinkSpec spec = s.kind() instanceof LinkKind.Ipvlan i
                    ? LinkSpec.ipvlan(name, parentIndex, i.mode(), i.flag())
                            .withMtu(s.mtu())
                            .inNamespace(ns.namespace())
                    : LinkSpec.macvlan(name, parentIndex, s.mode())
                            .withMac(s.mac())
                            .withMtu(s.mtu())
                            .inNamespace(ns.namespace());
            try {
                // The steps inside run on the session the guardian keeps there: no socket opened per repair.
                return nl.createLink(spec, temporaryName, ns.nl);
            } catch (NetlinkException e) {
                if (e.errno() == Errno.EEXIST && e.operation().startsWith("rename")) {
                    throw new NameTakenException(
                            "'" + name + "' was taken by another link before the repair could rename to it; left alone",
                            e);
                }
                throw e;
            }
        }

        /** A poll-mode subscription (no thread) to the host namespace's link changes. */
        EventSubscription subscribeLinks() {
            return nl.subscribe(Set.of(EventGroup.LINK));
        }

        @Override
        public void close() {
            nl.close();
        }
    }

    /**
     * Opens a guarded namespace by path, or returns {@code null} when the path leads nowhere now (process exited,
     * name deleted).
     *
     * @param hostNs the host namespace, whose nsid inside the guarded one marks host-parented links
     */
    static Ns open(Path path, NetNamespace hostNs) {
        NetNamespace ns;
        try {
            ns = NetNamespace.open(path);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT
                    || e.errno() == Errno.ESRCH
                    || e.errno() == Errno.EINVAL
                    || e.errno() == Errno.ENOTTY) {
                return null;
            }
            throw e;
        }
        try {
            RtNetlink nl = RtNetlink.open(ns);
            try {
                return new Ns(ns, nl, cookieOrUnknown(nl), nl.nsidOf(hostNs));
            } catch (RuntimeException e) {
                nl.close();
                throw e;
            }
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
    }

    /** What one namespace holds, read as links, addresses, routes, then links again to see what changed meanwhile. */
    record NsView(List<Link> links, List<Address> addresses, List<Route> routes, List<Link> linksAfter) {
        /** Whether {@code l} looked the same before and after the address and route dumps. */
        boolean stable(Link l) {
            for (Link a : linksAfter) {
                if (a.index() == l.index()) {
                    return a.name().equals(l.name()) && a.isUp() == l.isUp() && a.parentIndex() == l.parentIndex();
                }
            }
            return false;
        }
    }

    /**
     * The netns cookie, or 0 (unknown) before kernel 5.14, which lacks {@code SO_NETNS_COOKIE}: identity then rests
     * on (device, inode) alone, as {@link NamespaceRef#sameAs} allows.
     */
    static long cookieOrUnknown(RtNetlink nl) {
        try {
            return nl.namespaceCookie();
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOPROTOOPT) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * A namespace opened by path, with its identity read once and an rtnetlink socket made inside it. A guarded
     * namespace keeps its {@code Ns} open from its first look until it is dropped: later looks and repairs reuse the
     * socket (no namespace-thread hop, no cookie read), and the open fd pins the namespace, so its inode cannot be
     * reused by another while it is guarded.
     */
    static final class Ns implements AutoCloseable {
        // Test seam: a failure for the delete of this index (the kernel will not fail one on demand); null: none.
        static volatile IntFunction<RuntimeException> deleteFault = index -> null;

        private final NetNamespace ns;
        private final RtNetlink nl;
        private final long cookie;
        private final int hostNsid;

        private Ns(NetNamespace ns, RtNetlink nl, long cookie, int hostNsid) {
            this.ns = ns;
            this.nl = nl;
            this.cookie = cookie;
            this.hostNsid = hostNsid;
        }

        /** Whether {@code l}'s parent lives in the host namespace ({@code IFLA_LINK_NETNSID} is the host's nsid here). */
        boolean parentInHost(Link l) {
            return hostNsid >= 0 && l.linkNetnsId() == hostNsid;
        }

        NetNamespace namespace() {
            return ns;
        }

        NsId id() {
            return ns.id();
        }

        long cookie() {
            return cookie;
        }

        /** The links, from one dump (enough to tell whether anything here is guardable). */
        List<Link> links() {
            return nl.links();
        }

        NsView view() {
            List<Link> before = nl.links();
            List<Address> addrs = nl.addresses();
            List<Route> routes = nl.routes();
            return new NsView(before, addrs, routes, nl.links());
        }

        Optional<Link> link(String name) {
            return nl.link(name);
        }

        /** A poll-mode subscription (no thread) to every change in this namespace. */
        EventSubscription subscribe() {
            return nl.subscribe(EnumSet.allOf(EventGroup.class), WATCH_BUFFER);
        }

        void setUp(int index) {
            nl.setUp(index, true);
        }

        void setMtu(int index, int mtu) {
            nl.setMtu(index, mtu);
        }

        /**
         * Deletes a link, as a rollback or a clean-up: a link already gone is fine.
         *
         * @return why the link could not be deleted (it is left), {@code null} when it is gone
         */
        RuntimeException delete(int index) {
            try {
                RuntimeException fault = deleteFault.apply(index);
                if (fault != null) {
                    throw fault;
                }
                nl.deleteLink(index);
                return null;
            } catch (NetlinkException e) {
                return e.errno() == Errno.ENODEV ? null : e;
            } catch (RuntimeException e) {
                return e;
            }
        }

        /** Adds addresses in one pipelined batch; ones already present are fine. */
        void addAddresses(List<Address> addrs) {
            Batch b = nl.batch();
            addrs.forEach(b::addAddress);
            throwFirstReal(b.execute());
        }

        /**
         * Adds addresses, brings the link at {@code upIndex} up (none when 0), then adds routes: one batch, one round
         * trip, which the kernel takes in order (the routes find their link up and addressed). Throws the first real
         * address or link error; a route that failed is handled as by {@link #addRoutes}.
         */
        void addAddressesUpAndRoutes(List<Address> addrs, int upIndex, List<Route> routes) {
            Batch b = nl.batch();
            addrs.forEach(b::addAddress);
            if (upIndex > 0) {
                b.setUp(upIndex, true);
            }
            routes.forEach(b::addRoute);
            List<Batch.Result> results = b.execute();
            int head = results.size() - routes.size();
            throwFirstReal(results.subList(0, head));
            List<Route> again = new ArrayList<>();
            for (int i = 0; i < routes.size(); i++) {
                NetlinkException e = results.get(head + i).error();
                if (e == null || e.errno() == Errno.EEXIST) {
                    continue;
                }
                if (e.errno() == Errno.ENETUNREACH || e.errno() == Errno.EHOSTUNREACH || e.errno() == Errno.ESRCH) {
                    again.add(routes.get(i));
                } else {
                    throw e;
                }
            }
            addRoutes(again);
        }

        /**
         * Adds routes pipelined; a route whose gateway is reachable only through another route of the list is retried
         * after the others (the dump's order need not respect such dependencies).
         */
        void addRoutes(List<Route> routes) {
            List<Route> todo = routes;
            for (int round = 0; round < 3 && !todo.isEmpty(); round++) {
                Batch b = nl.batch();
                todo.forEach(b::addRoute);
                List<Batch.Result> results = b.execute();
                List<Route> again = new ArrayList<>();
                NetlinkException last = null;
                for (int i = 0; i < results.size(); i++) {
                    NetlinkException e = results.get(i).error();
                    if (e == null || e.errno() == Errno.EEXIST) {
                        continue;
                    }
                    if (e.errno() == Errno.ENETUNREACH || e.errno() == Errno.EHOSTUNREACH || e.errno() == Errno.ESRCH) {
                        again.add(todo.get(i));
                        last = e;
                    } else {
                        throw e;
                    }
                }
                if (again.size() == todo.size() && last != null) {
                    throw last; // no progress: the dependency is not in the list
                }
                todo = again;
            }
        }

        /** Replaces routes in one pipelined batch (multipath routes put back whole). */
        void replaceRoutes(List<Route> routes) {
            if (routes.isEmpty()) {
                return;
            }
            Batch b = nl.batch();
            routes.forEach(b::replaceRoute);
            throwFirstReal(b.execute());
        }

        private static void throwFirstReal(List<Batch.Result> results) {
            for (Batch.Result r : results) {
                if (!r.ok() && r.error().errno() != Errno.EEXIST) {
                    throw r.error();
                }
            }
        }

        @Override
        public void close() {
            nl.close();
            ns.close();
        }
    }
}
