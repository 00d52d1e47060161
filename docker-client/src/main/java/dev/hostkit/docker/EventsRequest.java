package dev.hostkit.docker;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Parameters of an event subscription: a time window (open-ended when {@code until} is null) and filters.
 * Immutable; build with {@link #builder()}.
 *
 * @param since replay events from this time, or null for new events only
 * @param until stop at this time (the engine then ends the stream), or null to follow
 * @param filters engine filters, e.g. {@code type -> [container]}
 */
public record EventsRequest(Instant since, Instant until, Map<String, List<String>> filters) {
    /** Canonical constructor; copies the filters. */
    public EventsRequest {
        filters = Map.copyOf(filters);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects the parameters. */
    public static final class Builder {
        private Instant since;
        private Instant until;
        private final Filters filters = new Filters();

        private Builder() {}

        /** Replay from this time. */
        public Builder since(Instant since) {
            this.since = since;
            return this;
        }

        /** End the stream at this time. */
        public Builder until(Instant until) {
            this.until = until;
            return this;
        }

        /** Adds an engine filter such as {@code type=container}, {@code label=a=b}, {@code event=start}. */
        public Builder filter(String key, String value) {
            filters.add(key, value);
            return this;
        }

        /** The request. */
        public EventsRequest build() {
            return new EventsRequest(since, until, filters.toMap());
        }
    }
}
