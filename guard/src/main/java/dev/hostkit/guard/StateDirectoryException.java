package dev.hostkit.guard;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A state directory the guardian refuses (empty path, not a directory, a symbolic link, another uid's, writable by
 * group or others) or one another guardian holds. Nothing was created, changed or chmod-ed when this is thrown.
 */
public final class StateDirectoryException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path dir;

    StateDirectoryException(Path dir, String reason) {
        super(reason);
        this.dir = dir;
    }

    /** The directory as given ({@code ""} for an empty path). */
    public Path dir() {
        return dir;
    }
}
