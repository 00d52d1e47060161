/**
 * Typed rtnetlink: links, addresses, routes, namespaces and change events, without iproute2.
 *
 * <p>{@link dev.hostkit.netlink.RtNetlink} is the entry point: a handle bound to one network namespace (its socket
 * is opened inside it, then used from any thread). Values are records ({@link dev.hostkit.netlink.Link},
 * {@link dev.hostkit.netlink.Address}, {@link dev.hostkit.netlink.Route}); link kinds are the sealed
 * {@link dev.hostkit.netlink.LinkKind}; kernel refusals are {@link dev.hostkit.netlink.NetlinkException} with the
 * errno and the kernel's extended-ACK text; bad input is refused with {@link IllegalArgumentException} before
 * anything is sent. {@link dev.hostkit.netlink.Batch} pipelines many changes per round trip, and
 * {@link dev.hostkit.netlink.EventSubscription} delivers changes, with an explicit
 * {@link dev.hostkit.netlink.NetlinkEvent.ResyncNeeded} when the kernel dropped some.
 */
package dev.hostkit.netlink;
