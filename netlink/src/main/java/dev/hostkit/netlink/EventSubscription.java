package dev.hostkit.netlink;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.Errno;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.internal.MessageParser;
import dev.hostkit.netlink.internal.NetlinkSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import static dev.hostkit.netlink.internal.RtnlConstants.*;

/**
 * An open subscription to link, address and route changes in one namespace, read with {@link #poll},
 * by iteration, or pushed to a listener on a dedicated thread. When the kernel drops notifications
 * ({@code ENOBUFS}) a {@link NetlinkEvent.ResyncNeeded} is delivered and the subscription stays alive;
 * {@link #close()} wakes a blocked reader at once (poll(2) on the socket and an eventfd). Any other
 * receive failure reaches the owner: {@link #poll} throws it; a listener's thread closes the
 * subscription and hands the listener a last {@link NetlinkEvent.Failed} (the thread never dies silently).
 */
public final class EventSubscription implements AutoCloseable, Iterable<NetlinkEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(EventSubscription.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Default receive buffer of a subscription socket. */
    public static final int DEFAULT_RECEIVE_BUFFER = 1024 * 1024;

    private final NetlinkSocket socket;
    private final String where;
    private final MessageParser parser = new MessageParser();
    private final ArrayDeque<NetlinkEvent> pending = new ArrayDeque<>();
    private final ReentrantLock readLock = new ReentrantLock();
    private volatile boolean closed;
    private Thread thread;
    // Tests inject a receive failure here; runs before every receive.
    volatile Runnable receiveFault = () -> {};

    private EventSubscription(NetlinkSocket socket, String where) {
        this.socket = socket;
        this.where = where;
    }

    static EventSubscription open(
            NetNamespace ns, String where, Set<EventGroup> groups, Consumer<NetlinkEvent> listener) {
        return open(ns, where, groups, listener, DEFAULT_RECEIVE_BUFFER, false);
    }

    static EventSubscription open(
            NetNamespace ns,
            String where,
            Set<EventGroup> groups,
            Consumer<NetlinkEvent> listener,
            int receiveBuffer,
            boolean allNamespaces) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("subscribe to at least one event group");
        }
        if (ns.isClosed()) {
            throw new IllegalStateException("cannot subscribe: the handle is closed (" + where + ")");
        }
        int mask = 0;
        for (EventGroup g : groups) {
            mask |= g.mask();
        }
        int m = mask;
        NetlinkSocket socket = ns.run(() -> NetlinkSocket.open(m, receiveBuffer));
        try {
            socket.enableWakeUp();
            if (allNamespaces && !socket.listenAllNsid()) {
                throw new NetlinkException(
                        "listen to all namespaces",
                        where,
                        Errno.ENOPROTOOPT.number(),
                        "the kernel refused NETLINK_LISTEN_ALL_NSID");
            }
        } catch (RuntimeException e) {
            socket.close();
            throw e;
        }
        EventSubscription sub = new EventSubscription(socket, where);
        if (listener != null) {
            sub.thread = new Thread(() -> sub.deliver(listener), "hostkit-netlink-events-" + THREADS.incrementAndGet());
            sub.thread.setDaemon(true);
            sub.thread.start();
        }
        return sub;
    }

    private void deliver(Consumer<NetlinkEvent> listener) {
        while (!closed) {
            NetlinkEvent e;
            try {
                e = poll(null);
            } catch (RuntimeException failure) {
                if (closed) {
                    return;
                }
                LOG.error(
                        "netlink event subscription in {} failed and is closed; its listener is told: {}",
                        where,
                        failure.toString());
                close();
                hand(listener, new NetlinkEvent.Failed(failure, -1));
                return;
            }
            if (e != null) {
                hand(listener, e);
            }
        }
    }

    private static void hand(Consumer<NetlinkEvent> listener, NetlinkEvent e) {
        try {
            listener.accept(e);
        } catch (RuntimeException failure) {
            LOG.warn("netlink event listener failed on {}", e, failure);
        }
    }

    /**
     * Waits for the next event.
     *
     * @param timeout how long to wait, or {@code null} to wait until an event arrives or the subscription closes
     * @return the event, or {@code null} on timeout or when closed
     * @throws NetlinkException when receiving fails for a reason other than dropped events
     */
    public NetlinkEvent poll(Duration timeout) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        readLock.lock();
        try {
            boolean first = true;
            while (true) {
                if (closed) {
                    return null;
                }
                NetlinkEvent e = pending.poll();
                if (e != null) {
                    return e;
                }
                int wait;
                if (timeout == null) {
                    wait = -1;
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 && !first) {
                        return null;
                    }
                    // A zero or expired timeout still looks at the socket once.
                    wait = left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(1, left / 1_000_000));
                }
                first = false;
                if (socket.awaitReadable(wait) && !closed) {
                    readOnce();
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Takes every event that is ready now, without blocking.
     *
     * @return the events, possibly none
     */
    public List<NetlinkEvent> drain() {
        List<NetlinkEvent> out = new ArrayList<>();
        NetlinkEvent e;
        while ((e = poll(Duration.ZERO)) != null) {
            out.add(e);
        }
        return out;
    }

    /**
     * Waits on many subscriptions from one thread (one poll(2) over all their sockets) until at least one
     * has events ready, then returns those; read them with {@link #drain()}. Lets one thread watch many
     * namespaces instead of one listener thread per subscription.
     *
     * @param subscriptions open subscriptions (closed ones are ignored)
     * @param timeout how long to wait at most
     * @return the subscriptions with events ready; empty on timeout
     */
    public static List<EventSubscription> awaitAny(Collection<EventSubscription> subscriptions, Duration timeout) {
        return awaitAny(subscriptions, timeout, -1);
    }

    /**
     * Like {@link #awaitAny(Collection, Duration)}, and also returns (with an empty list) when {@code wakeFd}, an
     * eventfd or pipe the caller owns and drains, becomes readable: how a watcher sleeping without a timeout learns
     * that its set of subscriptions changed.
     *
     * @param timeout how long to wait at most, or {@code null} to wait without limit
     * @param wakeFd the caller's wake-up fd, or -1 for none
     */
    public static List<EventSubscription> awaitAny(
            Collection<EventSubscription> subscriptions, Duration timeout, int wakeFd) {
        List<EventSubscription> open = new ArrayList<>();
        List<EventSubscription> ready = new ArrayList<>();
        for (EventSubscription s : subscriptions) {
            if (!s.closed) {
                open.add(s);
                if (s.hasPending()) {
                    ready.add(s);
                }
            }
        }
        if (!ready.isEmpty() || (open.isEmpty() && wakeFd < 0)) {
            return ready;
        }
        int n = open.size() + (wakeFd >= 0 ? 1 : 0);
        int[] fds = new int[n * 2];
        for (int i = 0; i < open.size(); i++) {
            fds[2 * i] = open.get(i).socket.pollableFd();
            fds[2 * i + 1] = LibC.POLLIN;
        }
        if (wakeFd >= 0) {
            fds[2 * open.size()] = wakeFd;
            fds[2 * open.size() + 1] = LibC.POLLIN;
        }
        int millis = timeout == null ? -1 : (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeout.toMillis()));
        try {
            if (LibC.poll(fds, n, millis) <= 0) {
                return ready;
            }
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.EINTR.number()) {
                return ready;
            }
            throw LibC.failure("poll", open.size() + " netlink subscriptions", e);
        }
        for (int i = 0; i < open.size(); i++) {
            if ((fds[2 * i + 1] >>> 16) != 0) {
                ready.add(open.get(i));
            }
        }
        return ready;
    }

    private boolean hasPending() {
        if (!readLock.tryLock()) {
            return false;
        }
        try {
            return !pending.isEmpty();
        } finally {
            readLock.unlock();
        }
    }

    private void readOnce() {
        ByteBuffer b;
        receiveFault.run();
        try {
            b = socket.receive();
        } catch (LastErrorException e) {
            if (e.getErrorCode() == Errno.ENOBUFS.number()) {
                pending.add(new NetlinkEvent.ResyncNeeded(-1));
                return;
            }
            throw new NetlinkException("receive events", where, LibC.errno(e), null);
        }
        int end = b.limit();
        int nsid = socket.lastNsid();
        try {
            for (int off = 0; off < end; ) {
                int len = MessageParser.messageLength(b, off, end);
                NetlinkEvent e = decode(b, off, len, nsid);
                if (e != null) {
                    pending.add(e);
                }
                off += MessageParser.align(len);
            }
        } catch (NetlinkParseException e) {
            // One bad datagram must not end the subscription; the subscriber re-reads state instead.
            LOG.warn("dropping malformed notification in {}: {}", where, e.getMessage());
            pending.add(new NetlinkEvent.ResyncNeeded(-1));
        } finally {
            socket.releaseReceiveBuffer(); // decoded into records: a quiet subscription holds no buffer
        }
    }

    private NetlinkEvent decode(ByteBuffer b, int off, int len, int nsid) {
        int type = MessageParser.type(b, off);
        return switch (type) {
            case RTM_NEWLINK, RTM_DELLINK ->
                new NetlinkEvent.LinkEvent(type == RTM_DELLINK, parser.link(b, off, len), nsid);
            case RTM_NEWADDR, RTM_DELADDR ->
                new NetlinkEvent.AddressEvent(type == RTM_DELADDR, parser.address(b, off, len), nsid);
            case RTM_NEWROUTE, RTM_DELROUTE -> {
                Route r = parser.route(b, off, len);
                yield r == null ? null : new NetlinkEvent.RouteEvent(type == RTM_DELROUTE, r, nsid);
            }
            default -> null;
        };
    }

    /**
     * Iterates events, blocking in {@code hasNext()} until one arrives; ends when the subscription closes.
     * Not for use together with a listener.
     */
    @Override
    public Iterator<NetlinkEvent> iterator() {
        return new Iterator<>() {
            private NetlinkEvent next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    next = poll(null);
                }
                return next != null;
            }

            @Override
            public NetlinkEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("subscription closed");
                }
                NetlinkEvent e = next;
                next = null;
                return e;
            }
        };
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the subscription: wakes a blocked reader (which then returns {@code null}), stops the listener
     * thread and closes the socket. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        socket.wakeUp();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        readLock.lock();
        try {
            socket.close();
        } finally {
            readLock.unlock();
        }
    }
}
