package dev.hostkit.netlink;

import java.time.Duration;
import java.util.Objects;

/**
 * How many times, and how far apart, a {@link NeighborAnnouncer} tells the link about each address.
 * Immutable and checked when made: count 0..100 (0 turns announcements off), spacing 0..10 s.
 *
 * @param count announcements per address (rounds)
 * @param spacing the pause between two rounds
 */
public record Announcement(int count, Duration spacing) {
    /** Largest count accepted. */
    public static final int MAX_COUNT = 100;
    /** Longest spacing accepted. */
    public static final Duration MAX_SPACING = Duration.ofSeconds(10);
    /** Three rounds, 100 ms apart: a switch or neighbour that misses one frame still hears the next. */
    public static final Announcement DEFAULT = new Announcement(3, Duration.ofMillis(100));
    /** No announcements. */
    public static final Announcement OFF = new Announcement(0, Duration.ZERO);

    /** @throws IllegalArgumentException for a count outside 0..100 or a spacing outside 0..10 s */
    public Announcement {
        Objects.requireNonNull(spacing, "spacing");
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException("announcement count must be in 0.." + MAX_COUNT + ", was " + count);
        }
        if (spacing.isNegative() || spacing.compareTo(MAX_SPACING) > 0) {
            throw new IllegalArgumentException("announcement spacing must be in 0.." + MAX_SPACING.toMillis()
                    + " ms, was " + spacing.toMillis() + " ms");
        }
    }

    /**
     * {@code count} rounds with the default spacing.
     *
     * @param count 0..100
     * @return the announcement
     */
    public static Announcement times(int count) {
        return new Announcement(count, DEFAULT.spacing);
    }
}
