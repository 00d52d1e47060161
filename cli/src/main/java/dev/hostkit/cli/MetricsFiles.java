package dev.hostkit.cli;

import dev.hostkit.core.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * A metrics file for node_exporter's textfile collector, written through core's {@link AtomicFiles} with the mode it
 * must have before the rename (a non-root reader never meets it unreadable), and a write failure said in words.
 */
final class MetricsFiles {
    /** 0644: node_exporter's textfile collector does not run as root. */
    static final Set<PosixFilePermission> WORLD_READABLE = AtomicFiles.WORLD_READABLE;

    private MetricsFiles() {}

    static void write(Path target, String content, Set<PosixFilePermission> mode) throws IOException {
        AtomicFiles.write(target, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    /** Why a write failed, in words: the JDK's exceptions often carry only the path. */
    static String why(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied (" + a.getFile() + ")";
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory (" + n.getFile() + ")";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + " (" + f.getFile() + ")";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
