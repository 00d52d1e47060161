package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.GuardEvent.Type;
import dev.hostkit.guard.Guarded.Tracked;
import dev.hostkit.guard.SnapshotCodec.NamespaceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * What the parts of one guardian share: the guarded namespaces, the host handle and identity, the parent scope,
 * the counters, the event delivery and the state writer. It holds no rule; the parts that act hold those.
 */
final class GuardContext {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);

    final Set<String> parents;
    final GuardNet.Host host;
    final NsId hostId;
    final long hostCookie;
    final String tempTag;
    final Map<NsId, Guarded> guarded = new ConcurrentHashMap<>();
    /** The namespaces looked into and found with nothing to guard. */
    final NamespaceCensus census = new NamespaceCensus();

    final GuardCounters counters;
    final StateWriter writer;
    final ExecutorService workers;
    private final GuardListener listener;
    private final Runnable requestPass;
    volatile NamespaceWatcher watcher;
    volatile boolean closed;

    GuardContext(
            Set<String> parents,
            GuardNet.Host host,
            String tempTag,
            GuardCounters counters,
            StateWriter writer,
            ExecutorService workers,
            GuardListener listener,
            Runnable requestPass) {
        this.parents = parents;
        this.host = host;
        this.hostId = host.namespaceId();
        this.hostCookie = host.cookie();
        this.tempTag = tempTag;
        this.counters = counters;
        this.writer = writer;
        this.workers = workers;
        this.listener = listener;
        this.requestPass = requestPass;
    }

    /** Whether {@code parent} is in the guardian's scope ({@code --parent}; empty: every host parent). */
    boolean inScope(String parent) {
        return parents.isEmpty() || parents.contains(parent);
    }

    /**
     * Whether a namespace is the host's own (the guardian's at start-up), by identity: same nsfs device and inode, or
     * the same netns cookie. Never by path: {@code /proc/self/ns/net} and {@code /proc/1/ns/net} both lead there.
     */
    boolean isHost(NsId id, long cookie) {
        return id.equals(hostId) || (cookie != 0 && cookie == hostCookie);
    }

    /** Asks the loop for a full pass now. */
    void requestPass() {
        requestPass.run();
    }

    /**
     * Runs {@code task} on the repair workers; dropped when the guardian is closing. Its failure is logged with
     * {@code what}, never lost in a discarded future.
     */
    void submit(String what, Runnable task) {
        try {
            workers.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    if (!closed) {
                        log.warn("guardian: {} failed; the next pass tries again", what, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: the task is moot
        }
    }

    /**
     * Forgets a namespace on positive evidence (it is gone or was replaced): its snapshots, its watch and its state
     * file. Holds {@code g.lock}.
     */
    void drop(Guarded g, String reason, List<GuardEvent> events) {
        if (!guarded.remove(g.ref.id(), g)) {
            return;
        }
        for (Tracked t : g.ifaces.values()) {
            counters.dropped.incrementAndGet();
            emit(events, Type.DROPPED, g.ref, t.snap, 0, reason);
        }
        g.ifaces.clear();
        unwatch(g.ref.id());
        g.closeSession();
        writer.delete(g.ref.id());
    }

    /**
     * Refuses a namespace that is the host's own: stops guarding it (nothing is ever created, addressed or routed
     * there) but keeps its state file, which is evidence for the operator, not something proven gone. Said once:
     * once refused, the namespace is no longer guarded. Holds {@code g.lock}.
     */
    void refuseHost(Guarded g, List<GuardEvent> events) {
        if (!guarded.remove(g.ref.id(), g)) {
            return;
        }
        List<String> names = new ArrayList<>(g.ifaces.keySet());
        log.error(
                "guardian: refusing snapshots {} of {}: that is the host's own network namespace; the guardian never "
                        + "acts there (state file kept for inspection)",
                names,
                g.ref);
        for (Tracked t : g.ifaces.values()) {
            emit(
                    events,
                    Type.REFUSED,
                    g.ref,
                    t.snap,
                    0,
                    "'" + t.snap.name() + "' belongs to the host's own network namespace " + g.ref
                            + ": the guardian never acts there");
        }
        g.ifaces.clear();
        unwatch(g.ref.id());
        g.closeSession();
    }

    /** Whether the namespace's events are being heard now. */
    boolean isWatched(NsId id) {
        NamespaceWatcher w = watcher;
        return w != null && w.isWatching(id);
    }

    private void unwatch(NsId id) {
        NamespaceWatcher w = watcher;
        if (w != null) {
            w.unwatch(id);
        }
    }

    /** Persists {@code g}'s snapshots as they are now. Holds {@code g.lock}. */
    void persist(Guarded g) {
        List<InterfaceSnapshot> snaps = new ArrayList<>();
        g.ifaces.values().forEach(t -> snaps.add(t.snap));
        NamespaceState state = new NamespaceState(g.ref, snaps);
        writer.write(state, () -> guarded.get(state.namespace().id()) == g, () -> g.onDisk = true);
    }

    void emit(List<GuardEvent> events, Type type, NamespaceRef ref, InterfaceSnapshot s, double millis, String reason) {
        emit(events, type, ref, s, millis, reason, 0);
    }

    void emit(
            List<GuardEvent> events,
            Type type,
            NamespaceRef ref,
            InterfaceSnapshot s,
            double millis,
            String reason,
            int announced) {
        deliver(
                events,
                new GuardEvent(
                        type,
                        ref.inode(),
                        ref.pid(),
                        s.name(),
                        s.parent().name(),
                        millis,
                        reason,
                        System.currentTimeMillis(),
                        announced));
    }

    /** Adds {@code e} to the pass's events (when a pass runs) and hands it to the listener. */
    void deliver(List<GuardEvent> events, GuardEvent e) {
        writer.statusChanged(); // every event is a change of what the status may say
        if (events != null) {
            events.add(e);
        }
        if (listener != null) {
            try {
                listener.onEvent(e);
            } catch (RuntimeException ex) {
                log.warn("guardian listener threw on {}", e, ex);
            }
        }
    }
}
