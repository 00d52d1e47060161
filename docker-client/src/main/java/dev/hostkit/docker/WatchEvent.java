package dev.hostkit.docker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a {@link ContainerWatch} delivers: the container list, each engine event exactly once and in order, a gap the
 * engine could not fill, and connection trouble. A closed family: switch over it.
 */
public sealed interface WatchEvent {
    /**
     * Every container (all states) as the engine listed them; the first item of a watch and the last item after a
     * {@link Gap}. Events after it may already be reflected in it (they are replayed from just before the list, so
     * none falls between); applying them in order converges.
     *
     * @param containers the list
     * @param since engine time from which the events that follow are complete
     */
    record Snapshot(List<ContainerSummary> containers, Instant since) implements WatchEvent {
        /** Canonical constructor; copies the list. */
        public Snapshot {
            containers = List.copyOf(containers);
        }
    }

    /**
     * One engine event, delivered once.
     *
     * @param event the event
     */
    record Change(Event event) implements WatchEvent {}

    /**
     * Events between {@code from} and {@code to} may be lost: after a reconnect the engine no longer had the last event
     * this watch delivered (it restarted and forgot its log, or more events passed than it keeps). The events it still
     * had follow, then a fresh {@link Snapshot} to resynchronise from.
     *
     * @param from engine time of the last event delivered before the gap (or of the last snapshot)
     * @param to engine time up to which the watch could check
     * @param reason why the gap could not be closed
     */
    record Gap(Instant from, Instant to, String reason) implements WatchEvent {}

    /**
     * The connection to the engine failed; the watch retries after {@code retryIn} and resumes from the last event.
     *
     * @param cause what failed
     * @param attempt how many attempts in a row failed (1 for the first)
     * @param retryIn the back-off before the next attempt
     */
    record Disconnected(DockerException cause, int attempt, Duration retryIn) implements WatchEvent {}
}
