package dev.hostkit.docker;

import java.nio.charset.StandardCharsets;

/**
 * One chunk of container output with the stream it came from (a frame of the engine's multiplexed
 * stream; for a TTY container, raw output reported as {@link Source#STDOUT}).
 *
 * @param source which stream
 * @param payload the bytes, not copied: do not modify
 */
public record LogFrame(Source source, byte[] payload) {
    /** The stream a frame belongs to (the frame header's first byte). */
    public enum Source {
        /** Standard input (written back by attach only). */
        STDIN,
        /** Standard output. */
        STDOUT,
        /** Standard error. */
        STDERR
    }

    /** The payload as UTF-8 text. */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return source + ": " + text();
    }
}
