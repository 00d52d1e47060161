package dev.hostkit.guard;

import dev.hostkit.guard.Observation.NamespaceStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Decides whether a look that did not find a guarded namespace proves it gone. A complete look (no errors) does.
 * A look with errors proves nothing when an error is on the namespace's own path, or when any error is new since
 * the last look that found the namespace (the unreadable process may be the one holding it now: a process in the
 * middle of exec, an LSM denial). Errors that were already there when the namespace was last found (the same
 * process, same start time: a process the guardian can never read, such as a non-dumpable daemon) did not hide it
 * then and are not taken as hiding it now.
 */
final class GoneEvidence {
    private GoneEvidence() {}

    /** The errors of one look, each as "path|reason|process start time", so a reused pid is a new error. */
    static Set<String> keys(NamespaceSource.Look look) {
        if (look.errors().isEmpty()) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        for (NamespaceSource.LookError e : look.errors()) {
            out.add(e.path() + "|" + e.reason() + "|" + startTimeOf(e.path()));
        }
        return Set.copyOf(out); // immutable: found() keeps it without a copy
    }

    /**
     * The status of a guarded namespace the look did not find. Holds {@code g.lock}.
     *
     * @param errors {@link #keys} of this look
     */
    static NamespaceStatus notFound(Guarded g, NamespaceSource.Look look, Set<String> errors) {
        if (look.errors().isEmpty()) {
            return NamespaceStatus.GONE;
        }
        for (NamespaceSource.LookError e : look.errors()) {
            if (e.path().equals(g.ref.path())) {
                return NamespaceStatus.UNKNOWN; // its own entry could not be read
            }
        }
        if (g.errorsWhenSeen == null) {
            // Loaded from a file and not found yet: this look's errors are the background against which later looks
            // are judged; this one proves nothing.
            g.errorsWhenSeen = Set.copyOf(errors);
            return NamespaceStatus.UNKNOWN;
        }
        return g.errorsWhenSeen.containsAll(errors) ? NamespaceStatus.GONE : NamespaceStatus.UNKNOWN;
    }

    /** The look found {@code g}: remember the errors it found it despite. Holds {@code g.lock}. */
    static void found(Guarded g, Set<String> errors) {
        g.errorsWhenSeen = Set.copyOf(errors);
    }

    // /proc/PID/ns/net -> the start time (field 22 of /proc/PID/stat, readable without ptrace rights), "?" otherwise.
    private static String startTimeOf(Path p) {
        Path pidDir = p.getParent() == null ? null : p.getParent().getParent();
        if (pidDir == null
                || pidDir.getFileName() == null
                || !pidDir.getFileName().toString().matches("[0-9]+")) {
            return "?";
        }
        try {
            String stat = Files.readString(pidDir.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f.length > 19 ? f[19] : "?";
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
