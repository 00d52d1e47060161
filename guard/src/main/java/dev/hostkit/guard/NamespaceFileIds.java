package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The identities of one source's namespace files, looked up again at every pass. A file's key from the basic
 * attributes is its device and inode, exactly what an {@link NsId} holds, but Java gives no numbers for it; the unix
 * attribute view that does costs about three times as much (12 against 4.6 us a file, C1, 100 files). So the numbers
 * are read once per key and kept while a look still finds that key: an idle guardian watching 100 namespaces spends
 * a millisecond less per pass. Only keys seen by the last look are kept.
 */
final class NamespaceFileIds {
    private Map<Object, NsId> last = new HashMap<>();
    private Map<Object, NsId> seen = new HashMap<>();

    /**
     * Like {@link NamespaceSource#stat}: the identity, {@code null} when the file is gone (or its process exited).
     *
     * @throws IOException when it exists but cannot be read
     */
    synchronized NsId idOf(Path p) throws IOException {
        BasicFileAttributes a = unlessGone(() -> Files.readAttributes(p, BasicFileAttributes.class));
        if (a == null) {
            return null;
        }
        Object key = a.fileKey();
        NsId id = key == null ? null : last.get(key);
        if (id == null) {
            id = NamespaceSource.stat(p);
            if (id == null || key == null) {
                return id;
            }
        }
        seen.put(key, id);
        return id;
    }

    /** Ends a look: what it did not find is forgotten. */
    synchronized void lookDone() {
        last = seen;
        seen = new HashMap<>();
    }

    /** A read of a namespace file that may throw. */
    @FunctionalInterface
    interface FileRead<T> {
        T read() throws IOException;
    }

    /**
     * The read's answer, or {@code null} when the file is gone: no such file, or ESRCH (the process exited between
     * listing and reading).
     */
    static <T> T unlessGone(FileRead<T> read) throws IOException {
        try {
            return read.read();
        } catch (NoSuchFileException e) {
            return null;
        } catch (FileSystemException e) {
            if ("No such process".equals(e.getReason())) {
                return null;
            }
            throw e;
        }
    }
}
