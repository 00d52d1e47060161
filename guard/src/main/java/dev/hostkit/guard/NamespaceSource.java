package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.core.ProcFs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the guardian looks for namespaces to guard: running processes, named namespaces, an explicit list, or a union.
 * Every source answers with one {@link Candidate} per distinct namespace (de-duplicated by nsfs identity) and skips
 * entries that vanish or cannot be read while it looks.
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
    record Candidate(NsId id, int pid, Path path) {
    }

    /** The namespaces present now, one per identity. */
    List<Candidate> discover();

    /** Every distinct network namespace of a running process ({@code /proc/PID/ns/net}). */
    static NamespaceSource processes() {
        return processes(ProcFs.system());
    }

    /** Like {@link #processes()} under another {@code /proc} root. */
    static NamespaceSource processes(ProcFs proc) {
        return () -> {
            Map<NsId, Candidate> found = new LinkedHashMap<>();
            List<Integer> pids = new ArrayList<>(proc.pids());
            pids.sort(null);
            for (int pid : pids) {
                Path p = proc.proc().resolve(Integer.toString(pid)).resolve("ns/net");
                NsId id = statId(p);
                if (id != null) {
                    found.putIfAbsent(id, new Candidate(id, pid, p));
                }
            }
            return List.copyOf(found.values());
        };
    }

    /** The namespaces made by {@code ip netns add} ({@code /var/run/netns}). */
    static NamespaceSource named() {
        return named(NetNamespace.NAMED_DIR);
    }

    /** The namespace files in {@code dir}; a missing directory is empty. */
    static NamespaceSource named(Path dir) {
        return () -> {
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                entries.forEach(files::add);
            } catch (IOException e) {
                return List.of();
            }
            files.sort(null);
            return of(files).discover();
        };
    }

    /** Exactly these namespace files (those that exist now). */
    static NamespaceSource of(Collection<Path> paths) {
        List<Path> copy = List.copyOf(paths);
        return () -> {
            Map<NsId, Candidate> found = new LinkedHashMap<>();
            for (Path p : copy) {
                NsId id = statId(p);
                if (id != null) {
                    found.putIfAbsent(id, new Candidate(id, pidOf(p), p));
                }
            }
            return List.copyOf(found.values());
        };
    }

    /** Named namespaces first, then processes: a named path stays valid longer than a pid. */
    static NamespaceSource hostDefault() {
        return union(named(), processes());
    }

    /** All namespaces the sources find, de-duplicated by identity; the first source to name a namespace wins. */
    static NamespaceSource union(NamespaceSource... sources) {
        List<NamespaceSource> all = List.of(sources);
        return () -> {
            Map<NsId, Candidate> found = new LinkedHashMap<>();
            for (NamespaceSource s : all) {
                for (Candidate c : s.discover()) {
                    found.putIfAbsent(c.id(), c);
                }
            }
            return List.copyOf(found.values());
        };
    }

    /**
     * The identity of the namespace file at {@code p} without opening it ({@code stat} follows the proc link to nsfs),
     * or {@code null} when it is gone or unreadable.
     */
    static NsId statId(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino");
            return new NsId(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    private static int pidOf(Path p) {
        // /proc/PID/ns/net
        if (p.getNameCount() >= 4 && p.getName(p.getNameCount() - 1).toString().equals("net")
                && p.getName(p.getNameCount() - 2).toString().equals("ns")) {
            String s = p.getName(p.getNameCount() - 3).toString();
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 10) {
                return Integer.parseInt(s);
            }
        }
        return 0;
    }
}
