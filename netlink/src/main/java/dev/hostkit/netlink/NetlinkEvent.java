package dev.hostkit.netlink;

/**
 * One change notification from an {@link EventSubscription}: a link, address or route was added,
 * changed or removed, or the kernel dropped notifications and the subscriber must re-read the state, or
 * (to a listener) the subscription failed and was closed.
 */
public sealed interface NetlinkEvent {
    /**
     * The nsid of the namespace the change happened in, as seen from the subscription's namespace;
     * -1 for the subscription's own namespace (always, unless {@link RtNetlink#subscribeAllNamespaces} was used).
     */
    int nsid();

    /**
     * A link was created or changed ({@code RTM_NEWLINK}) or removed ({@code RTM_DELLINK}).
     *
     * @param removed true for {@code RTM_DELLINK}
     * @param link the link as the kernel reported it
     * @param nsid see {@link NetlinkEvent#nsid()}
     */
    record LinkEvent(boolean removed, Link link, int nsid) implements NetlinkEvent {}

    /**
     * An address was added or removed.
     *
     * @param removed true for {@code RTM_DELADDR}
     * @param address the address
     * @param nsid see {@link NetlinkEvent#nsid()}
     */
    record AddressEvent(boolean removed, Address address, int nsid) implements NetlinkEvent {}

    /**
     * A route was added or removed.
     *
     * @param removed true for {@code RTM_DELROUTE}
     * @param route the route
     * @param nsid see {@link NetlinkEvent#nsid()}
     */
    record RouteEvent(boolean removed, Route route, int nsid) implements NetlinkEvent {}

    /**
     * The kernel dropped notifications ({@code ENOBUFS}): the subscriber's picture is stale and must be
     * re-read with a dump. The subscription stays open and keeps delivering.
     *
     * @param nsid always -1: a drop concerns the whole subscription
     */
    record ResyncNeeded(int nsid) implements NetlinkEvent {}

    /**
     * The subscription's listener thread could not read (a receive error other than dropped notifications): the
     * subscription is closed and this is the last event its listener gets. Subscribe again and re-read the state.
     *
     * @param cause what failed, naming the namespace
     * @param nsid always -1: a failure concerns the whole subscription
     */
    record Failed(RuntimeException cause, int nsid) implements NetlinkEvent {}
}
