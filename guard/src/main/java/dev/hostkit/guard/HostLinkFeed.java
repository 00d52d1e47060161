package dev.hostkit.guard;

import dev.hostkit.netlink.EventSubscription;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.NetlinkEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The host namespace's link changes, read by one thread of the guardian's own, for the fast path. A subscription
 * that fails or ends underneath it (the socket errs, someone closes it) is never left deaf: it is closed, a new one
 * is opened, and a full pass is asked for, since changes in between were missed.
 */
final class HostLinkFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MacvlanGuardian.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final GuardNet.Host host;
    private final BiConsumer<Link, Boolean> onLink;
    private final Runnable onMissed;
    private final Thread thread;
    private final AtomicLong resubscribed = new AtomicLong();
    private volatile EventSubscription sub;
    private volatile boolean closed;

    /**
     * Subscribes now (a failure here is the caller's) and starts reading.
     *
     * @param onLink a host link changed: the link and whether it was removed
     * @param onMissed events were dropped or the subscription was renewed: a full pass is due
     */
    HostLinkFeed(GuardNet.Host host, BiConsumer<Link, Boolean> onLink, Runnable onMissed) {
        this.host = host;
        this.onLink = onLink;
        this.onMissed = onMissed;
        this.sub = host.subscribeLinks();
        this.thread = new Thread(this::run, "hostkit-guard-host-links");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (!closed) {
            EventSubscription s = sub;
            try {
                if (s == null || s.isClosed()) {
                    throw new IllegalStateException("the host link subscription was closed underneath the guardian");
                }
                // No timeout: an idle daemon sleeps here until the kernel speaks; close() wakes it (the subscription's
                // eventfd).
                NetlinkEvent e = s.poll(null);
                if (e instanceof NetlinkEvent.LinkEvent le && le.nsid() < 0) {
                    onLink.accept(le.link(), le.removed());
                } else if (e instanceof NetlinkEvent.ResyncNeeded) {
                    onMissed.run();
                }
            } catch (RuntimeException failure) {
                if (closed) {
                    return;
                }
                renew(s, failure);
            }
        }
    }

    private void renew(EventSubscription failed, RuntimeException why) {
        log.warn(
                "guardian: host link subscription failed ({}); subscribing again and running a full pass",
                why.toString());
        if (failed != null) {
            failed.close();
        }
        sub = null;
        while (!closed) {
            try {
                sub = host.subscribeLinks();
                resubscribed.incrementAndGet();
                onMissed.run();
                return;
            } catch (RuntimeException e) {
                log.warn("guardian: cannot subscribe to host link changes ({}); retrying in {}", e.toString(), RETRY);
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** How many times the subscription was renewed. */
    long renewals() {
        return resubscribed.get();
    }

    /** The current subscription (for a test that breaks it). */
    EventSubscription subscription() {
        return sub;
    }

    @Override
    public void close() {
        closed = true;
        EventSubscription s = sub;
        if (s != null) {
            s.close();
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        s = sub;
        if (s != null) {
            s.close();
        }
    }
}
