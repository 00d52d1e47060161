package dev.hostkit.docker;

import java.time.Instant;

/**
 * Parameters of a log read: which streams, from when, how many lines, and whether to follow.
 * Immutable; build with {@link #builder()} (stdout and stderr on by default).
 *
 * @param stdout include standard output
 * @param stderr include standard error
 * @param follow keep the stream open for new output
 * @param timestamps prefix lines with RFC 3339 timestamps
 * @param since only output after this time, or null
 * @param tail the last N lines ({@code -1} for all)
 */
public record LogsRequest(boolean stdout, boolean stderr, boolean follow, boolean timestamps, Instant since, int tail) {
    /** All of stdout and stderr, not followed. */
    public static final LogsRequest ALL = builder().build();

    /** Canonical constructor; checks that some stream is selected. */
    public LogsRequest {
        if (!stdout && !stderr) {
            throw new IllegalArgumentException("a log read needs stdout, stderr or both");
        }
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects the parameters. */
    public static final class Builder {
        private boolean stdout = true;
        private boolean stderr = true;
        private boolean follow;
        private boolean timestamps;
        private Instant since;
        private int tail = -1;

        private Builder() {}

        /** Include standard output (default true). */
        public Builder stdout(boolean on) {
            this.stdout = on;
            return this;
        }

        /** Include standard error (default true). */
        public Builder stderr(boolean on) {
            this.stderr = on;
            return this;
        }

        /** Keep the stream open for new output. */
        public Builder follow(boolean on) {
            this.follow = on;
            return this;
        }

        /** Prefix lines with timestamps. */
        public Builder timestamps(boolean on) {
            this.timestamps = on;
            return this;
        }

        /** Only output after this time. */
        public Builder since(Instant since) {
            this.since = since;
            return this;
        }

        /** Only the last {@code lines} lines. */
        public Builder tail(int lines) {
            if (lines < 0) {
                throw new IllegalArgumentException("tail must be >= 0, got " + lines);
            }
            this.tail = lines;
            return this;
        }

        /** The request. */
        public LogsRequest build() {
            return new LogsRequest(stdout, stderr, follow, timestamps, since, tail);
        }
    }
}
