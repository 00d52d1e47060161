package dev.hostkit.netlink;

import dev.hostkit.netlink.internal.RtnlChannel;
import dev.hostkit.netlink.internal.RtnlChannel.Request;

import java.util.ArrayList;
import java.util.List;

/**
 * A list of changes sent pipelined: many requests per datagram, then every ACK matched to its request by
 * sequence number, so bulk work costs a few round trips instead of one per change. Not thread-safe;
 * requests run in order and a failed one does not stop the others.
 *
 * <pre>{@code
 * Batch b = rt.batch();
 * b.createLink(LinkSpec.macvlan("mv0", parent, MacvlanMode.BRIDGE).up());
 * for (Batch.Result r : b.execute()) { if (!r.ok()) log.warn(r.error().getMessage()); }
 * }</pre>
 */
public final class Batch {
    private final RtnlChannel channel;
    private final List<Request> requests = new ArrayList<>();

    Batch(RtnlChannel channel) {
        this.channel = channel;
    }

    /**
     * The outcome of one request.
     *
     * @param operation what was asked
     * @param target what it acted on
     * @param error the kernel's refusal, or {@code null} on success
     */
    public record Result(String operation, String target, NetlinkException error) {
        /** Whether the kernel accepted it. */
        public boolean ok() {
            return error == null;
        }
    }

    /**
     * Queues a link creation in the handle's namespace (specs with a target namespace need
     * {@link RtNetlink#createLink}, which renames inside the target).
     *
     * @param spec the link
     * @return this batch
     */
    public Batch createLink(LinkSpec spec) {
        if (spec.namespace() != null) {
            throw new IllegalArgumentException(
                    "a batch creates links in its own namespace; use RtNetlink.createLink for '" + spec.name() + "'");
        }
        requests.add(Requests.createLink(spec, spec.name(), -1, spec.bringUp()));
        return this;
    }

    /** Queues a link deletion. @param index the ifindex @return this batch */
    public Batch deleteLink(int index) {
        requests.add(Requests.deleteLink(index, "index " + index));
        return this;
    }

    /** Queues a link deletion by name. @param name the interface name @return this batch */
    public Batch deleteLink(String name) {
        requests.add(Requests.deleteLinkByName(LinkNames.check(name)));
        return this;
    }

    /** Queues up/down. @param index the ifindex @param up true for up @return this batch */
    public Batch setUp(int index, boolean up) {
        requests.add(Requests.setUp(index, up));
        return this;
    }

    /** Queues an address addition. @param address the address @return this batch */
    public Batch addAddress(Address address) {
        requests.add(Requests.address(true, address));
        return this;
    }

    /** Queues an address deletion. @param address the address @return this batch */
    public Batch deleteAddress(Address address) {
        requests.add(Requests.address(false, address));
        return this;
    }

    /** Queues a route addition. @param route the route @return this batch */
    public Batch addRoute(Route route) {
        requests.add(Requests.route(Requests.RouteOp.ADD, route));
        return this;
    }

    /** Queues a route replacement. @param route the route @return this batch */
    public Batch replaceRoute(Route route) {
        requests.add(Requests.route(Requests.RouteOp.REPLACE, route));
        return this;
    }

    /** Queues a route deletion. @param route the route @return this batch */
    public Batch deleteRoute(Route route) {
        requests.add(Requests.route(Requests.RouteOp.DELETE, route));
        return this;
    }

    /** How many requests are queued. */
    public int size() {
        return requests.size();
    }

    /**
     * Sends everything queued and empties the batch.
     *
     * @return one result per request, in the order queued
     */
    public List<Result> execute() {
        List<Request> todo = List.copyOf(requests);
        requests.clear();
        NetlinkException[] errors = channel.batch(todo);
        List<Result> out = new ArrayList<>(todo.size());
        for (int i = 0; i < todo.size(); i++) {
            out.add(new Result(todo.get(i).operation(), todo.get(i).target(), errors[i]));
        }
        return out;
    }

    /**
     * Sends everything queued and throws the first error, with the others suppressed.
     *
     * @throws NetlinkException the first failed request's error
     */
    public void executeOrThrow() {
        NetlinkException first = null;
        for (Result r : execute()) {
            if (!r.ok()) {
                if (first == null) {
                    first = r.error();
                } else {
                    first.addSuppressed(r.error());
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
