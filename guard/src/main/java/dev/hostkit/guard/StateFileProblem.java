package dev.hostkit.guard;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A file in the guardian's state directory that could not be used, and why (unreadable, not JSON, wrong
 * schema, holding another namespace's state). The guardian skips such a file and keeps every other one.
 *
 * @param file the file
 * @param reason what is wrong with it, in words
 */
public record StateFileProblem(Path file, String reason) {
    /** Checks both parts are present. */
    public StateFileProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return file + ": " + reason;
    }
}
