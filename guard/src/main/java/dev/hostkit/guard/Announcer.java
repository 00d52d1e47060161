package dev.hostkit.guard;

import dev.hostkit.core.Errno;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.internal.Ticker;
import dev.hostkit.netlink.Address;
import dev.hostkit.netlink.Announcement;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.NeighborAnnouncer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells the switch and the neighbours where a restored interface is: gratuitous ARPs and unsolicited neighbour
 * advertisements for its addresses, the first round at once and the others on the shared ticker, so a repair never
 * waits for the spacing. Each packet socket is closed after its last round, on a failed send, and on {@link #close()}.
 *
 * <p>Repairs run as one {@link Batch} (a parent's return repairs every child on it) hold their first rounds until the
 * batch's last repair is done: on a bridge-mode parent every broadcast reaches every sibling macvlan, so announcing
 * while the other repairs still run puts an n-squared fan-out in the kernel beside them (and under the same locks).
 * The count is settled when the repair asks (the socket is opened then), so a repair's {@code announced} holds.
 */
final class Announcer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);

    private final Announcement plan;
    private final Set<Rounds> running = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Announcer(Announcement plan) {
        this.plan = plan;
    }

    /** The count and spacing. */
    Announcement plan() {
        return plan;
    }

    /**
     * Sends the first round for {@code link}'s announceable addresses now and schedules the rest. A failure is
     * logged, never thrown: the repair it follows has succeeded.
     *
     * @param ns the namespace the link lives in (may be closed right after this returns)
     * @param link the link as read in {@code ns} (index, MAC, flags)
     * @param addresses the link's addresses
     * @return how many addresses are being announced (0 when off, nothing announceable, or sending failed)
     */
    int announce(NetNamespace ns, Link link, List<Address> addresses) {
        if (plan.count() == 0 || closed) {
            return 0;
        }
        NeighborAnnouncer a = null;
        try {
            a = NeighborAnnouncer.open(ns, link, addresses);
            int n = a.announced().size();
            if (n == 0) {
                a.close();
                return 0;
            }
            Batch batch = CURRENT.get();
            if (batch != null) {
                Rounds r = new Rounds(a, link.name(), plan.count());
                running.add(r);
                if (closed) {
                    r.finish(); // close() ran meanwhile and may have missed it
                } else if (!batch.hold(r)) {
                    r.start();
                }
                return n;
            }
            a.sendRound();
            if (plan.count() > 1 && plan.spacing().isZero()) {
                for (int i = 1; i < plan.count(); i++) {
                    a.sendRound();
                }
            }
            if (plan.count() == 1 || plan.spacing().isZero()) {
                a.close();
                return n;
            }
            Rounds r = new Rounds(a, link.name(), plan.count() - 1);
            running.add(r);
            r.schedule();
            if (closed) {
                r.finish(); // close() ran meanwhile and may have missed it
            }
            return n;
        } catch (RuntimeException e) {
            if (a != null) {
                a.close();
            }
            log.warn(
                    "guardian: announcing the addresses of restored '{}' in {} failed: {}",
                    link.name(),
                    ns.path(),
                    e.toString());
            return 0;
        }
    }

    /** How many announcements still have rounds to send (for tests). */
    int inFlight() {
        return running.size();
    }

    /** Stops every scheduled round and closes every socket. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Rounds r : running) {
            r.finish();
        }
    }

    /** The thread's batch while it runs one of the batch's repairs. */
    private static final ThreadLocal<Batch> CURRENT = new ThreadLocal<>();

    /**
     * Repairs started together whose announcements start when the last of them is done, or after {@link #MAX_HOLD}
     * whatever holds up a repair. Use: {@link #around} for each task before it is submitted, then {@link #seal()}
     * once all are.
     */
    static final class Batch {
        /** The longest a first round waits for the rest of its batch. */
        static final Duration MAX_HOLD = Duration.ofSeconds(1);

        private final Duration maxHold;
        private final List<Rounds> held = new ArrayList<>();
        private int pending = 1; // the seal's
        private boolean released;
        private Ticker.Task deadline;

        Batch() {
            this(MAX_HOLD);
        }

        Batch(Duration maxHold) {
            this.maxHold = maxHold;
        }

        /** {@code task}, run with this batch as the thread's (announcements held), counted until it ends. */
        Runnable around(Runnable task) {
            synchronized (this) {
                pending++;
            }
            return () -> {
                Batch before = CURRENT.get();
                CURRENT.set(this);
                try {
                    task.run();
                } finally {
                    CURRENT.set(before);
                    done();
                }
            };
        }

        /** Every task is submitted: the batch is released when they are done (at once when they already are). */
        void seal() {
            done();
        }

        /** How many first rounds are held (for tests). */
        synchronized int held() {
            return held.size();
        }

        private void done() {
            boolean last;
            synchronized (this) {
                last = --pending == 0;
            }
            if (last) {
                release();
            }
        }

        private synchronized boolean hold(Rounds r) {
            if (released) {
                return false;
            }
            if (held.isEmpty()) {
                deadline = Ticker.shared().every(maxHold, "announcements held too long", this::release);
            }
            held.add(r);
            return true;
        }

        private void release() {
            List<Rounds> go;
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
                if (deadline != null) {
                    deadline.close();
                }
                go = List.copyOf(held);
                held.clear();
            }
            for (Rounds r : go) {
                r.start();
            }
        }
    }

    /** The remaining rounds of one announcement, on the ticker. */
    private final class Rounds {
        private final NeighborAnnouncer announcer;
        private final String name;
        private int left;
        private Ticker.Task task;
        private boolean done;

        Rounds(NeighborAnnouncer announcer, String name, int left) {
            this.announcer = announcer;
            this.name = name;
            this.left = left;
        }

        /** Sends the first round now, the rest as planned (for an announcement held by its batch). */
        synchronized void start() {
            round();
            if (plan.spacing().isZero()) {
                while (!done) {
                    round();
                }
            } else {
                schedule();
            }
        }

        synchronized void schedule() {
            if (!done) {
                task = Ticker.shared().every(plan.spacing(), "announce " + name, this::round);
            }
        }

        synchronized void round() {
            if (done) {
                return;
            }
            try {
                announcer.sendRound();
            } catch (RuntimeException e) {
                if (linkGone(e)) {
                    // The link went between rounds (its parent left again, or someone deleted it): nothing to tell.
                    log.debug("guardian: '{}' is gone; no more announcement rounds: {}", name, e.toString());
                } else {
                    log.warn("guardian: announcing restored '{}' again failed; no more rounds: {}", name, e.toString());
                }
                finish();
                return;
            }
            if (--left == 0) {
                finish();
            }
        }

        synchronized void finish() {
            if (done) {
                return;
            }
            done = true;
            if (task != null) {
                task.close();
            }
            announcer.close();
            running.remove(this);
        }
    }

    private static boolean linkGone(RuntimeException e) {
        return e instanceof NativeException n && (n.errno() == Errno.ENXIO || n.errno() == Errno.ENODEV);
    }
}
