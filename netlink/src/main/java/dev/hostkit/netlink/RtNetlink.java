// Over 400 lines: the public facade, one documented method per operation; the work is in RtnlReads, LinkCreation,
// NsidCalls and Requests.
package dev.hostkit.netlink;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.netlink.internal.RtnlChannel;

import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

/**
 * A typed rtnetlink handle bound to one network namespace: links, addresses, routes, pipelined batches
 * and change subscriptions. Thread-safe (requests are serialised on one socket); {@link #close()} releases
 * the socket and the handle's own namespace fd. (Over 400 lines: it is the module's one entry point, a thin
 * documented method per operation; the work is in the package-private classes it calls.)
 *
 * <pre>{@code
 * try (NetNamespace ns = NetNamespace.named("blue"); RtNetlink host = RtNetlink.open()) {
 *     int parent = host.link("eth0").orElseThrow().index();
 *     Link mv = host.createLink(LinkSpec.macvlan("mv0", parent, MacvlanMode.BRIDGE).up().inNamespace(ns));
 * }
 * }</pre>
 */
public final class RtNetlink implements AutoCloseable {
    private final NetNamespace namespace;
    private final String label;
    private final RtnlChannel channel;

    private RtNetlink(NetNamespace namespace, String label, RtnlChannel channel) {
        this.namespace = namespace;
        this.label = label;
        this.channel = channel;
    }

    /** Opens a handle on the calling thread's network namespace. */
    public static RtNetlink open() {
        NetNamespace own = NetNamespace.current();
        try {
            return new RtNetlink(own, "current namespace", RtnlChannel.open());
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * Opens a handle on {@code ns}: the socket is created inside it, then works from any thread. The handle
     * keeps its own reference to the namespace, so {@code ns} may be closed afterwards.
     *
     * @param ns an open namespace
     * @return the handle
     * @throws IllegalArgumentException when {@code ns} is closed
     */
    public static RtNetlink open(NetNamespace ns) {
        if (ns == null || ns.isClosed()) {
            throw new IllegalArgumentException(
                    "cannot open rtnetlink in a closed namespace" + (ns == null ? "" : ": " + ns.path()));
        }
        // Reopening through /proc/self/fd gives an independent fd on the same namespace.
        NetNamespace own = NetNamespace.open(Path.of("/proc/self/fd/" + ns.fd()));
        Reference.reachabilityFence(ns);
        try {
            return new RtNetlink(own, "namespace " + ns.path(), own.run(RtnlChannel::open));
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    // For tests in this package: the request channel (fault injection).
    RtnlChannel channel() {
        return channel;
    }

    /** The namespace this handle works in (owned by the handle; do not close it). */
    public NetNamespace namespace() {
        return namespace;
    }

    /**
     * The namespace cookie of this handle's namespace ({@code SO_NETNS_COOKIE}, kernel 5.14+): a 64-bit id
     * that, unlike the nsfs inode number, is never reused while the system runs.
     *
     * @return the cookie
     */
    public long namespaceCookie() {
        return channel.netnsCookie();
    }

    /**
     * How many bytes the kernel has sent to this handle so far: the denominator when judging what a dump allocates
     * per byte received.
     *
     * @return bytes received
     */
    public long receivedBytes() {
        return channel.receivedBytes();
    }

    /**
     * The nsid by which this handle's namespace knows {@code other} ({@code RTM_GETNSID}); the number that
     * {@link Link#linkNetnsId()} of links whose parent lives in {@code other} carries.
     *
     * @param other an open namespace
     * @return the nsid, or -1 when none is assigned
     */
    public int nsidOf(NetNamespace other) {
        return NsidCalls.nsidOf(channel, other);
    }

    /**
     * The nsid of {@code other} as seen from this handle's namespace, assigning one if it has none
     * ({@code RTM_NEWNSID} with {@code NETNSA_NSID = -1} lets the kernel choose).
     *
     * @param other an open namespace
     * @return the nsid (0 or more)
     */
    public int assignNsid(NetNamespace other) {
        return NsidCalls.assignNsid(channel, other);
    }

    // ---------------------------------------------------------------- links

    /** All links, from one dump. */
    public List<Link> links() {
        List<Link> out = new ArrayList<>();
        dumpLinks(out::add, out::clear);
        return out;
    }

    /**
     * Streams all links to {@code sink} without building a list; on an interrupted dump the sink is told
     * to forget what it got through {@code restart} and receives everything again.
     *
     * @param sink receives each link
     * @param restart called before a retried dump
     */
    public void dumpLinks(Consumer<Link> sink, Runnable restart) {
        RtnlReads.dumpLinks(channel, sink, restart, where());
    }

    /**
     * The link called {@code name}.
     *
     * @param name an interface name
     * @return the link, or empty when there is none
     */
    public Optional<Link> link(String name) {
        LinkNames.check(name);
        return RtnlReads.link(channel, 0, name);
    }

    /**
     * The link with ifindex {@code index}.
     *
     * @param index the ifindex
     * @return the link, or empty when there is none
     */
    public Optional<Link> link(int index) {
        if (index <= 0) {
            throw new IllegalArgumentException("link index must be positive, was " + index);
        }
        return RtnlReads.link(channel, index, null);
    }

    /**
     * Creates a link as {@code spec} says and returns it as the kernel reports it afterwards.
     * With {@link LinkSpec#namespace()} set, the link is created directly inside that namespace under a
     * random temporary name (no clash with names in this namespace), then renamed (and brought up) there.
     * A failure at any step after the kernel made the link deletes it again: by its index once known
     * (the rename may have happened even when its answer was lost), else by its temporary name. When
     * that delete fails too, the exception says so and names the link left behind and where.
     *
     * @param spec what to create
     * @return the new link (read in the namespace it lives in)
     * @throws NetlinkException naming the link and the kernel's reason
     */
    public Link createLink(LinkSpec spec) {
        return createLink(spec, LinkCreation.temporaryName());
    }

    /**
     * Like {@link #createLink(LinkSpec)}, with the temporary name chosen by the caller (a daemon that cleans up its
     * own leftovers tags them so it never removes another's link in flight). Unused without a target namespace.
     *
     * @param spec what to create
     * @param temporaryName the name the link has inside the target namespace until it is renamed; a valid link name
     * @return the new link
     */
    public Link createLink(LinkSpec spec, String temporaryName) {
        return createLink(spec, temporaryName, CreateStep.NO_FAULTS);
    }

    /**
     * Like {@link #createLink(LinkSpec, String)}, with the steps inside the target namespace (find, rename, read back,
     * rollback) done on {@code inside}, a handle the caller keeps open there, instead of on one opened for this call: a
     * daemon that keeps a handle per namespace saves a socket and a trip into the namespace per link.
     *
     * @param spec what to create; {@link LinkSpec#namespace()} must be set
     * @param temporaryName the name the link has inside the target namespace until it is renamed
     * @param inside an open handle in {@code spec}'s namespace (the same namespace, by identity); not closed here
     * @return the new link
     * @throws IllegalArgumentException when {@code spec} has no target namespace or {@code inside} is elsewhere or
     *     closed; nothing is made then
     */
    public Link createLink(LinkSpec spec, String temporaryName, RtNetlink inside) {
        return LinkCreation.create(
                this, spec, temporaryName, Objects.requireNonNull(inside, "inside"), CreateStep.NO_FAULTS);
    }

    /** The steps of {@link #createLink}; tests inject a failure after any of them to prove the rollback. */
    enum CreateStep {
        OPEN_TARGET_SOCKET,
        CREATE,
        FIND,
        RENAME,
        READ_BACK,
        ROLLBACK;

        /** Called after each step (and before the rollback's delete); throws to simulate a failure there. */
        interface Hook {
            void after(CreateStep step);
        }

        static final Hook NO_FAULTS = step -> {};
    }

    Link createLink(LinkSpec spec, CreateStep.Hook faults) {
        return createLink(spec, LinkCreation.temporaryName(), faults);
    }

    Link createLink(LinkSpec spec, String temporaryName, CreateStep.Hook faults) {
        return LinkCreation.create(this, spec, temporaryName, null, faults);
    }

    Link createLink(LinkSpec spec, RtNetlink inside, CreateStep.Hook faults) {
        return LinkCreation.create(this, spec, LinkCreation.temporaryName(), inside, faults);
    }

    /**
     * Deletes a link (and, for veth, its peer).
     *
     * @param index the ifindex
     */
    public void deleteLink(int index) {
        channel.ack(Requests.deleteLink(index, "index " + index));
    }

    /**
     * Deletes a link by name.
     *
     * @param name the interface name
     */
    public void deleteLink(String name) {
        channel.ack(Requests.deleteLinkByName(LinkNames.check(name)));
    }

    /**
     * Sets a link administratively up or down.
     *
     * @param index the ifindex
     * @param up true for up
     */
    public void setUp(int index, boolean up) {
        channel.ack(Requests.setUp(index, up));
    }

    /**
     * Sets the MTU.
     *
     * @param index the ifindex
     * @param mtu 68..65536
     */
    public void setMtu(int index, int mtu) {
        if (mtu < LinkSpec.MIN_MTU || mtu > LinkSpec.MAX_MTU) {
            throw new IllegalArgumentException(
                    "MTU must be in " + LinkSpec.MIN_MTU + ".." + LinkSpec.MAX_MTU + ", was " + mtu);
        }
        channel.ack(
                Requests.changeLink(index, 0, 0, m -> m.attrU32(IFLA_MTU, mtu), "set mtu " + mtu, "index " + index));
    }

    /**
     * Sets the hardware address.
     *
     * @param index the ifindex
     * @param mac the address
     */
    public void setMac(int index, MacAddress mac) {
        if (mac == null) {
            throw new IllegalArgumentException("MAC address is null");
        }
        channel.ack(Requests.changeLink(
                index, 0, 0, m -> m.attrBytes(IFLA_ADDRESS, mac.bytes()), "set address " + mac, "index " + index));
    }

    /**
     * Renames a link (the kernel refuses with EBUSY while it is up).
     *
     * @param index the ifindex
     * @param newName the new name
     */
    public void rename(int index, String newName) {
        LinkNames.check(newName);
        channel.ack(Requests.changeLink(
                index, 0, 0, m -> m.attrString(IFLA_IFNAME, newName), "rename to " + newName, "index " + index));
    }

    /**
     * Moves a link into another namespace (it arrives down, keeping its name and a new or the same index).
     *
     * @param index the ifindex here
     * @param target an open namespace
     */
    public void moveToNamespace(int index, NetNamespace target) {
        if (target == null || target.isClosed()) {
            throw new IllegalArgumentException("cannot move link " + index + " into a closed namespace");
        }
        int fd = target.fd();
        try {
            channel.ack(Requests.changeLink(
                    index,
                    0,
                    0,
                    m -> m.attrU32(IFLA_NET_NS_FD, fd),
                    "move link",
                    "index " + index + " to " + target.path()));
        } finally {
            Reference.reachabilityFence(target); // its fd travels in the request
        }
    }

    /**
     * Moves a link into the namespace of process {@code pid}.
     *
     * @param index the ifindex here
     * @param pid a live process
     */
    public void moveToNamespaceOfPid(int index, int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, was " + pid);
        }
        channel.ack(Requests.changeLink(
                index, 0, 0, m -> m.attrU32(IFLA_NET_NS_PID, pid), "move link", "index " + index + " to pid " + pid));
    }

    // ---------------------------------------------------------------- addresses

    /** All IPv4 and IPv6 addresses, from one dump. */
    public List<Address> addresses() {
        return addresses(0);
    }

    /**
     * The addresses of one link (filtered by the kernel where it supports strict checking).
     *
     * @param linkIndex the ifindex, or 0 for all links
     * @return the addresses
     */
    public List<Address> addresses(int linkIndex) {
        return RtnlReads.addresses(channel, linkIndex, where());
    }

    /**
     * Adds an address.
     *
     * @param address what to add ({@link Address#of} and its {@code with*} methods)
     * @throws NetlinkException with EEXIST when it is already there
     */
    public void addAddress(Address address) {
        channel.ack(Requests.address(true, address));
    }

    /**
     * Deletes an address.
     *
     * @param address the address (link index, address and prefix must match)
     */
    public void deleteAddress(Address address) {
        channel.ack(Requests.address(false, address));
    }

    // ---------------------------------------------------------------- routes

    /** All IPv4 and IPv6 routes of every table (local and cache entries included), from one dump. */
    public List<Route> routes() {
        return routes(0);
    }

    /**
     * The routes of one table.
     *
     * @param table the table number (254 = main), or 0 for all
     * @return the routes
     */
    public List<Route> routes(int table) {
        return RtnlReads.routes(channel, table, where());
    }

    /**
     * Adds a route.
     *
     * @param route the route
     * @throws NetlinkException with EEXIST when it exists
     */
    public void addRoute(Route route) {
        channel.ack(Requests.route(Requests.RouteOp.ADD, route));
    }

    /**
     * Adds a route or replaces the one with the same destination, table and metric.
     *
     * @param route the route
     */
    public void replaceRoute(Route route) {
        channel.ack(Requests.route(Requests.RouteOp.REPLACE, route));
    }

    /**
     * Deletes a route (matched by destination, table and whatever else is set).
     *
     * @param route the route
     */
    public void deleteRoute(Route route) {
        channel.ack(Requests.route(Requests.RouteOp.DELETE, route));
    }

    // ---------------------------------------------------------------- batches and events

    /** A new, empty batch of changes to send pipelined on this handle. */
    public Batch batch() {
        return new Batch(channel);
    }

    /**
     * Subscribes to changes in this namespace, read with {@link EventSubscription#poll} or iteration.
     *
     * @param groups what to hear about
     * @return the open subscription; close it
     */
    public EventSubscription subscribe(Set<EventGroup> groups) {
        return EventSubscription.open(namespace, label, EnumSet.copyOf(groups), null);
    }

    /**
     * Subscribes with a chosen socket receive buffer: a bigger one absorbs larger bursts before the kernel
     * drops notifications (and a {@link NetlinkEvent.ResyncNeeded} is delivered).
     *
     * @param groups what to hear about
     * @param receiveBufferBytes {@code SO_RCVBUF} to ask for (the kernel doubles it)
     * @return the open subscription; close it
     */
    public EventSubscription subscribe(Set<EventGroup> groups, int receiveBufferBytes) {
        if (receiveBufferBytes < 4096) {
            throw new IllegalArgumentException("receive buffer must be at least 4096 bytes, was " + receiveBufferBytes);
        }
        return EventSubscription.open(namespace, label, EnumSet.copyOf(groups), null, receiveBufferBytes, false);
    }

    /**
     * Subscribes to changes in this namespace and in every namespace that has an nsid here
     * ({@code NETLINK_LISTEN_ALL_NSID}): one socket, one reader, for many namespaces. Each event's
     * {@link NetlinkEvent#nsid()} names where it happened (-1 for this namespace); give a namespace an nsid with
     * {@link #assignNsid} to hear from it. Link, address and route objects carry indexes of their own namespace.
     *
     * @param groups what to hear about
     * @param receiveBufferBytes {@code SO_RCVBUF} to ask for
     * @return the open subscription; close it
     */
    public EventSubscription subscribeAllNamespaces(Set<EventGroup> groups, int receiveBufferBytes) {
        if (receiveBufferBytes < 4096) {
            throw new IllegalArgumentException("receive buffer must be at least 4096 bytes, was " + receiveBufferBytes);
        }
        return EventSubscription.open(namespace, label, EnumSet.copyOf(groups), null, receiveBufferBytes, true);
    }

    /**
     * Subscribes to changes, delivered to {@code listener} on a dedicated thread until closed.
     *
     * @param groups what to hear about
     * @param listener called for each event, one at a time; its exceptions are logged, not fatal. When
     *                 reading fails, the subscription is closed and the listener's last event is
     *                 {@link NetlinkEvent.Failed}
     * @return the open subscription; close it
     */
    public EventSubscription subscribe(Set<EventGroup> groups, Consumer<NetlinkEvent> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        return EventSubscription.open(namespace, label, EnumSet.copyOf(groups), listener);
    }

    // What this handle works on, for messages: "current namespace" or "namespace /path".
    String where() {
        return label;
    }

    /** Closes the socket and the handle's namespace fd. Idempotent. */
    @Override
    public void close() {
        channel.close();
        namespace.close();
    }
}
