package dev.hostkit.docker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A gapless follow of the engine: the container list, then every event from the list's point in time, resumed after
 * a dropped connection or an engine restart from the last delivered event with duplicates dropped; a gap the engine
 * cannot fill is reported as {@link WatchEvent.Gap}, never hidden. Pulled by the caller's thread ({@link #next()});
 * it starts no thread. One thread calls {@code next()}; {@link #close()} from any thread ends a blocked {@code next()}
 * (or its back-off) promptly.
 *
 * <p>How continuity is proved: on reconnect the watch asks the engine to replay from the time of the last event it
 * delivered, up to the engine's present ({@code since} is inclusive). An engine that still has that event sends it
 * again: nothing was lost, and it is dropped as a duplicate. If it does not come back, the engine forgot (restart,
 * or more events than its log holds) and the watch says so. Event time is the engine's clock; if that clock steps
 * back, events may be seen twice or reported as a gap.
 */
public final class ContainerWatch implements AutoCloseable, Iterable<WatchEvent> {
    /** First back-off after a failure. */
    public static final Duration FIRST_BACKOFF = Duration.ofMillis(100);

    private final DockerClient docker;
    private final Map<String, List<String>> filters;
    private final Duration maxBackoff;
    private final ArrayDeque<WatchEvent> ready = new ArrayDeque<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile DockerStream<Event> stream;

    private boolean started;
    private Instant followSince; // the since of the current (or next) follow stream
    private long lastNanos = -1; // time of the last delivered event
    private final Set<Key> deliveredAtLast = new HashSet<>(); // events delivered at lastNanos
    private boolean reconnectPending;
    private int failures;
    private Duration pendingWait; // back-off to sleep before the next attempt

    private record Key(String type, String action, String actorId, long timeNanos, Map<String, String> attributes) {
        static Key of(Event e) {
            return new Key(e.type(), e.action(), e.actorId(), e.timeNanos(), e.attributes());
        }
    }

    ContainerWatch(DockerClient docker, Map<String, List<String>> filters, Duration maxBackoff) {
        this.docker = docker;
        this.filters = Map.copyOf(filters);
        this.maxBackoff = maxBackoff;
    }

    /**
     * Blocks for the next item: the first is a {@link WatchEvent.Snapshot}.
     *
     * @return the item, or {@code null} once closed
     * @throws DockerException for a failure retrying cannot fix (a bad filter, a refused call); connection loss,
     *                         timeouts and 5xx answers are retried with back-off instead
     */
    public WatchEvent next() {
        while (!isClosed()) {
            if (!ready.isEmpty()) {
                return ready.poll();
            }
            if (pendingWait != null) {
                sleep(pendingWait);
                pendingWait = null;
                continue;
            }
            try {
                if (!started) {
                    start();
                } else if (reconnectPending) {
                    resume();
                } else {
                    follow();
                }
                failures = 0;
            } catch (DockerException e) {
                closeStream();
                if (isClosed()) {
                    return null;
                }
                if (!retryable(e)) {
                    throw e;
                }
                failures++;
                reconnectPending = started;
                pendingWait = backoff(failures);
                return new WatchEvent.Disconnected(e, failures, pendingWait);
            }
        }
        return null;
    }

    // The list, after noting the engine's time: the follow replays from there, so nothing falls between.
    private void start() {
        Instant now = docker.engineTime();
        List<ContainerSummary> list =
                docker.listContainers(ListContainersRequest.builder().all(true).build());
        open(now);
        started = true;
        ready.add(new WatchEvent.Snapshot(list, now));
    }

    // Replays [last delivered, engine now] and checks the last delivered event is still there; then follows from now.
    // Nothing is committed until every call succeeded, so a failure halfway leaves the watch as it was.
    private void resume() {
        Instant now = docker.engineTime();
        Instant from = lastNanos >= 0 ? instant(lastNanos) : followSince;
        List<Event> replay = new ArrayList<>();
        try (DockerStream<Event> r = docker.events(new EventsRequest(from, now, filters))) {
            stream = r;
            for (Event e = r.next(); e != null; e = r.next()) {
                replay.add(e);
            }
        } finally {
            stream = null;
        }
        boolean proved = lastNanos >= 0
                && replay.stream().anyMatch(e -> e.timeNanos() == lastNanos && deliveredAtLast.contains(Key.of(e)));
        List<ContainerSummary> list = proved
                ? null
                : docker.listContainers(
                        ListContainersRequest.builder().all(true).build());
        String lost = describe(deliveredAtLast);
        open(now);
        if (!proved) {
            ready.add(new WatchEvent.Gap(
                    from,
                    now,
                    lastNanos >= 0
                            ? "the engine no longer has the last delivered event (" + lost + "): it restarted "
                                    + "or dropped older events from its log"
                            : "the connection dropped before any event was delivered, so continuity cannot be proved"));
        }
        replay.forEach(this::offer);
        if (!proved) {
            ready.add(new WatchEvent.Snapshot(list, now));
        }
        reconnectPending = false;
    }

    private void open(Instant since) {
        stream = docker.events(new EventsRequest(since, null, filters));
        followSince = since;
        if (isClosed()) {
            closeStream();
        }
    }

    private void follow() {
        DockerStream<Event> s = stream;
        if (s == null) {
            reconnectPending = true;
            return;
        }
        Event e = s.next();
        if (e == null) {
            if (!isClosed()) {
                // The engine ended the stream (it is shutting down): resume like after a drop.
                closeStream();
                throw new DockerUnavailableException("GET /events", "the engine ended the event stream", null);
            }
            return;
        }
        offer(e);
    }

    // Delivers an event unless it was delivered already (only events at the last delivered time can repeat).
    private void offer(Event e) {
        Key k = Key.of(e);
        if (e.timeNanos() == lastNanos && deliveredAtLast.contains(k)) {
            return;
        }
        if (e.timeNanos() > lastNanos) {
            lastNanos = e.timeNanos();
            deliveredAtLast.clear();
        }
        if (e.timeNanos() == lastNanos) {
            deliveredAtLast.add(k);
        }
        ready.add(new WatchEvent.Change(e));
    }

    private static boolean retryable(DockerException e) {
        return e instanceof DockerUnavailableException
                || e instanceof DockerTimeoutException
                || e instanceof DockerServerException
                || e.status() == 0;
    }

    private Duration backoff(int attempt) {
        long ms = FIRST_BACKOFF.toMillis() << Math.min(attempt - 1, 16);
        return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
    }

    private void sleep(Duration d) {
        try {
            closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
        }
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    private static String describe(Set<Key> keys) {
        return keys.stream()
                .findFirst()
                .map(k -> k.type() + " " + k.action() + " " + k.actorId() + " at " + instant(k.timeNanos()))
                .orElse("none");
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** Ends the watch and its stream; a blocked {@link #next()} returns {@code null}. Idempotent, any thread. */
    @Override
    public void close() {
        closed.countDown();
        closeStream();
    }

    private void closeStream() {
        DockerStream<Event> s = stream;
        if (s != null) {
            s.close();
        }
    }

    /** Iterates until closed; {@code hasNext()} blocks. */
    @Override
    public java.util.Iterator<WatchEvent> iterator() {
        return new java.util.Iterator<>() {
            private WatchEvent ahead;

            @Override
            public boolean hasNext() {
                if (ahead == null) {
                    ahead = ContainerWatch.this.next();
                }
                return ahead != null;
            }

            @Override
            public WatchEvent next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException("the watch is closed");
                }
                WatchEvent w = ahead;
                ahead = null;
                return w;
            }
        };
    }

    @Override
    public String toString() {
        return "ContainerWatch[" + docker + (isClosed() ? ", closed]" : ", since " + followSince + "]");
    }

    static Duration requireBackoff(Duration maxBackoff) {
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxBackoff.compareTo(FIRST_BACKOFF) < 0) {
            throw new IllegalArgumentException(
                    "maxBackoff must be at least " + FIRST_BACKOFF.toMillis() + " ms, got " + maxBackoff);
        }
        return maxBackoff;
    }
}
