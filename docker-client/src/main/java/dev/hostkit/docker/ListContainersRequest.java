package dev.hostkit.docker;

import java.util.List;
import java.util.Map;

/**
 * Parameters of a container listing: running only or all, and the engine's filters.
 * Immutable; build with {@link #builder()}.
 *
 * @param all include stopped containers
 * @param filters engine filters, e.g. {@code label -> [a=b]}
 */
public record ListContainersRequest(boolean all, Map<String, List<String>> filters) {
    /** Running containers, no filters. */
    public static final ListContainersRequest RUNNING = new ListContainersRequest(false, Map.of());

    /** Canonical constructor; copies the filters. */
    public ListContainersRequest {
        filters = Map.copyOf(filters);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects the parameters. */
    public static final class Builder {
        private boolean all;
        private final Filters filters = new Filters();

        private Builder() {}

        /** Include stopped containers. */
        public Builder all(boolean all) {
            this.all = all;
            return this;
        }

        /** Adds an engine filter such as {@code label=a=b}, {@code status=running}, {@code name=web}. */
        public Builder filter(String key, String value) {
            filters.add(key, value);
            return this;
        }

        /** The request. */
        public ListContainersRequest build() {
            return new ListContainersRequest(all, filters.toMap());
        }
    }
}
