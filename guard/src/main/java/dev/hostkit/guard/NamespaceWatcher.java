package dev.hostkit.guard;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.core.internal.LibC;
import dev.hostkit.netlink.EventSubscription;
import dev.hostkit.netlink.NetlinkEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;

/**
 * Watches every guarded namespace's link, address and route changes from one thread (one poll over all subscription
 * sockets) and reports a namespace as changed once its events have been quiet for a short debounce, so a burst (an
 * interface torn down with its addresses and routes) costs one re-snapshot, taken after the burst. The burst's events
 * are handed on (the guardian leaves out a look its own repair caused).
 * Subscriptions are opened by the caller and closed only by the watcher's thread, so none is closed under its poll.
 * An idle watcher sleeps in poll(2) without a timeout (no periodic wake-ups): a new or dropped watch and close() wake
 * it through its own eventfd; the only timeout is a pending debounce.
 */
final class NamespaceWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NamespaceWatcher.class);
    // Pause after a failed poll before trying again.
    private static final Duration RETRY = Duration.ofMillis(100);
    // The most events of one burst handed on; a longer burst is handed on as unknown (null).
    private static final int MAX_BURST = 256;

    private final Map<NsId, EventSubscription> watched = new ConcurrentHashMap<>();
    private final Queue<EventSubscription> toClose = new ConcurrentLinkedQueue<>();
    /** Called with a namespace's burst of events, or null when what happened is not known (lost or too many). */
    private final BiConsumer<NsId, List<NetlinkEvent>> onChange;

    private final long debounceNanos;
    private final Thread thread;
    // Signalled by watch/unwatch/close so that the poll picks up the new set of sockets; closed by close().
    private final int wakeFd;
    // Guards wakeFd against a write after its close (the number could by then be another file's).
    private final Object wakeLock = new Object();
    private boolean wakeClosed;
    private volatile boolean closed;

    NamespaceWatcher(BiConsumer<NsId, List<NetlinkEvent>> onChange, Duration debounce) {
        this.onChange = onChange;
        this.debounceNanos = debounce.toNanos();
        try {
            this.wakeFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        } catch (LastErrorException e) {
            throw LibC.failure("eventfd", "the guardian's namespace watcher", e);
        }
        this.thread = new Thread(this::run, "hostkit-guard-watch");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    boolean isWatching(NsId id) {
        return watched.containsKey(id);
    }

    /** Starts watching {@code id} with a subscription the caller opened; a second one for the same id is closed. */
    void watch(NsId id, EventSubscription sub) {
        if (closed || watched.putIfAbsent(id, sub) != null) {
            toClose.add(sub);
        }
        wakeUp();
    }

    /** Stops watching {@code id} (its namespace was dropped). */
    void unwatch(NsId id) {
        EventSubscription sub = watched.remove(id);
        if (sub != null) {
            toClose.add(sub);
            wakeUp();
        }
    }

    private void wakeUp() {
        synchronized (wakeLock) {
            if (wakeClosed) {
                return;
            }
            try {
                LibC.write(wakeFd, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, 8);
            } catch (LastErrorException e) {
                // EAGAIN: already signalled
            }
        }
    }

    // Sleeps until a watched socket is readable, the wake fd is signalled, or the timeout passes (null: no timeout).
    private List<EventSubscription> await(List<EventSubscription> subs, Duration timeout) {
        List<EventSubscription> ready = EventSubscription.awaitAny(subs, timeout, wakeFd);
        try {
            LibC.read(wakeFd, new byte[8], 8);
        } catch (LastErrorException e) {
            // EAGAIN: not signalled
        }
        return ready;
    }

    private void run() {
        Map<NsId, Long> quietSince = new HashMap<>();
        Map<NsId, List<NetlinkEvent>> bursts = new HashMap<>(); // a null value: not known what happened
        while (!closed) {
            closePending();
            // A subscription that ended underneath (closed by a failure) is dropped; the namespace is looked at and
            // subscribed again.
            for (var e : watched.entrySet()) {
                if (e.getValue().isClosed() && watched.remove(e.getKey(), e.getValue())) {
                    quietSince.put(e.getKey(), System.nanoTime() - debounceNanos);
                    bursts.put(e.getKey(), null);
                }
            }
            Map<EventSubscription, NsId> bySub = new IdentityHashMap<>();
            watched.forEach((id, sub) -> bySub.put(sub, id));
            try {
                long now = System.nanoTime();
                Duration timeout = null;
                for (long since : quietSince.values()) {
                    Duration left = Duration.ofNanos(Math.max(0, since + debounceNanos - now) + 999_999);
                    timeout = timeout == null || left.compareTo(timeout) < 0 ? left : timeout;
                }
                for (EventSubscription sub : await(new ArrayList<>(bySub.keySet()), timeout)) {
                    NsId id = bySub.get(sub);
                    List<NetlinkEvent> events;
                    try {
                        events = sub.drain();
                    } catch (RuntimeException failed) {
                        // This namespace's subscription is broken: drop it and look at the namespace now; the
                        // look subscribes again. The other namespaces' watches go on.
                        log.warn("guardian: watching {} failed ({}); subscribing again", id, failed.toString());
                        if (watched.remove(id, sub)) {
                            toClose.add(sub);
                        }
                        events = List.of();
                        quietSince.put(id, System.nanoTime() - debounceNanos);
                        bursts.put(id, null);
                    }
                    if (!events.isEmpty() && id != null) {
                        quietSince.put(id, System.nanoTime());
                        // Kept for the handler; a burst already unknown stays unknown.
                        List<NetlinkEvent> burst = bursts.containsKey(id) ? bursts.get(id) : new ArrayList<>();
                        boolean fits = burst != null && burst.size() + events.size() <= MAX_BURST;
                        if (fits) {
                            burst.addAll(events);
                        }
                        bursts.put(id, fits ? burst : null);
                    }
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    log.warn("guardian: watching namespaces failed; retrying", e);
                    try {
                        Thread.sleep(RETRY.toMillis());
                    } catch (InterruptedException ie) {
                        break;
                    }
                }
            }
            long now = System.nanoTime();
            for (var it = quietSince.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (now - e.getValue() >= debounceNanos) {
                    it.remove();
                    List<NetlinkEvent> burst = bursts.remove(e.getKey());
                    try {
                        onChange.accept(e.getKey(), burst);
                    } catch (RuntimeException ex) {
                        log.warn("guardian: change handler failed for {}", e.getKey(), ex);
                    }
                }
            }
        }
        closePending();
        watched.values().forEach(EventSubscription::close);
        watched.clear();
    }

    private void closePending() {
        for (EventSubscription s; (s = toClose.poll()) != null; ) {
            s.close();
        }
    }

    /** Stops the thread and closes every subscription. */
    @Override
    public void close() {
        closed = true;
        wakeUp();
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closePending();
        watched.values().forEach(EventSubscription::close);
        watched.clear();
        if (!thread.isAlive()) { // a thread still stuck in poll keeps it; it is a daemon thread of a closing guardian
            synchronized (wakeLock) {
                wakeClosed = true;
                LibC.closeQuietly(wakeFd);
            }
        }
    }
}
