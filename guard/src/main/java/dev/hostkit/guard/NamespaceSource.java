package dev.hostkit.guard;

import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.core.ProcFs;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the guardian looks for namespaces to guard: running processes, named namespaces, an explicit list, or a union.
 * Every source answers with one {@link Candidate} per distinct namespace (de-duplicated by nsfs identity). An entry
 * that vanishes while it looks (the process exited, the name was deleted) is simply not there; an entry that cannot
 * be read for any other reason is a {@link LookError}, never "not there": the guardian forgets nothing on an error.
 */
@FunctionalInterface
public interface NamespaceSource {
    /**
     * A namespace found, with a way to open it.
     *
     * @param id the nsfs identity
     * @param pid a process inside it (the lowest pid seen), 0 for a named or listed namespace without one
     * @param path the file to open it by
     */
    record Candidate(NsId id, int pid, Path path) {}

    /**
     * An entry that could not be read: the namespace it names, if any, is unknown, not gone.
     *
     * @param path what could not be read
     * @param reason a short, stable reason: the errno name ({@code EACCES}) or the exception's kind
     * @param detail the full message
     */
    record LookError(Path path, String reason, String detail) {}

    /**
     * One complete look: what was found, and what could not be read. Only a look without errors proves that a
     * namespace not found is gone.
     *
     * @param found the namespaces, one per identity
     * @param errors the entries that could not be read
     */
    record Look(List<Candidate> found, List<LookError> errors) {
        /** Copies the lists. */
        public Look {
            found = List.copyOf(found);
            errors = List.copyOf(errors);
        }
    }

    /** The namespaces present now, one per identity (entries that could not be read are left out). */
    List<Candidate> discover();

    /**
     * The namespaces present now and the entries that could not be read. A source that cannot fail (a fixed list in
     * a test) need not override it.
     */
    default Look look() {
        return new Look(discover(), List.of());
    }

    /** Every distinct network namespace of a running process ({@code /proc/PID/ns/net}). */
    static NamespaceSource processes() {
        return processes(ProcFs.system());
    }

    /** Like {@link #processes()} under another {@code /proc} root. */
    static NamespaceSource processes(ProcFs proc) {
        ProcessNamespaces processes = new ProcessNamespaces(proc.proc(), NamespaceScan.NSFS_DEVICE);
        return new NamespaceScan((changes, afresh) -> processes.look(afresh));
    }

    /** The namespaces made by {@code ip netns add} ({@code /var/run/netns}). */
    static NamespaceSource named() {
        return named(NetNamespace.NAMED_DIR);
    }

    /** The namespace files in {@code dir}; a missing directory is empty, an unreadable one an error. */
    static NamespaceSource named(Path dir) {
        NamespaceFiles files = NamespaceFiles.in(dir, NamespaceScan.NSFS_DEVICE);
        return new NamespaceScan(files::look);
    }

    /** Exactly these namespace files (those that exist now). */
    static NamespaceSource of(Collection<Path> paths) {
        NamespaceFiles files = NamespaceFiles.of(List.copyOf(paths), NamespaceScan.NSFS_DEVICE);
        return new NamespaceScan(files::look);
    }

    /** Named namespaces first, then processes: a named path stays valid longer than a pid. */
    static NamespaceSource hostDefault() {
        return union(named(), processes());
    }

    /** All namespaces the sources find, de-duplicated by identity; the first source to name a namespace wins. */
    static NamespaceSource union(NamespaceSource... sources) {
        List<NamespaceSource> all = List.of(sources);
        Look[] parts = new Look[all.size()];
        Look[] union = new Look[1];
        return new NamespaceScan((changes, afresh) -> {
            synchronized (parts) {
                boolean same = union[0] != null;
                for (int i = 0; i < parts.length; i++) {
                    Look l = NamespaceScan.lookAt(all.get(i), changes, afresh);
                    same &= l == parts[i];
                    parts[i] = l;
                }
                if (same) {
                    return union[0]; // every source answered its previous look: so does the union
                }
                Map<NsId, Candidate> found = new LinkedHashMap<>();
                List<LookError> errors = new ArrayList<>();
                for (Look l : parts) {
                    l.found().forEach(c -> found.putIfAbsent(c.id(), c));
                    errors.addAll(l.errors());
                }
                union[0] = new Look(List.copyOf(found.values()), errors);
                return union[0];
            }
        });
    }

    /**
     * The identity of the namespace file at {@code p} without opening it ({@code stat} follows the proc link to nsfs),
     * or {@code null} when it is gone or unreadable.
     */
    static NsId statId(Path p) {
        try {
            return stat(p);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    /**
     * The identity of the namespace file at {@code p}, {@code null} when it is gone (no such file, the process
     * exited).
     *
     * @throws IOException when it exists but cannot be read (permission, I/O)
     */
    static NsId stat(Path p) throws IOException {
        Map<String, Object> a = NamespaceFileIds.unlessGone(() -> Files.readAttributes(p, "unix:dev,ino"));
        return a == null ? null : new NsId(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
    }

    /** A short, stable reason for a failed read: the errno name when Java says which, else the exception's kind. */
    static String reasonOf(Throwable e) {
        if (e instanceof AccessDeniedException) {
            return "EACCES";
        }
        if (e instanceof NativeException n) {
            return n.errno().name();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            String r = f.getReason();
            return switch (r) {
                case "Permission denied" -> "EACCES";
                case "Operation not permitted" -> "EPERM";
                case "Input/output error" -> "EIO";
                default -> "IO";
            };
        }
        return e.getClass().getSimpleName();
    }
}
