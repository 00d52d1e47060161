package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.guard.NamespaceSource.Candidate;
import dev.hostkit.guard.NamespaceSource.Look;
import dev.hostkit.guard.NamespaceSource.LookError;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The namespace files of one source (every file in a directory, or a fixed list of paths) and their identities, kept
 * between looks. A look told of the directories' changes ({@link DirectoryChanges}) stats only the files created,
 * deleted or renamed since, the files not yet a namespace (a name made by {@code ip netns add} before its bind mount)
 * and those that could not be read; every other file keeps its identity. Everything is listed and stat-ed again at
 * the first look, when the changes are not known (no watch, events lost), and at least every {@link #FULL_LOOK}
 * (a namespace mounted over a name that stayed, which inotify does not tell). A look that changes nothing answers the
 * previous {@link Look} itself.
 */
final class NamespaceFiles {
    /** The longest a file's identity is trusted without a stat: the safety net under the directory's events. */
    static final long FULL_LOOK_NANOS = Duration.ofSeconds(60).toNanos();

    private static final Path PROC = Path.of("/proc");

    // settled: a namespace's identity in a watched directory, trusted until told of a change there.
    private record Entry(Path path, NsId id, LookError error, boolean settled) {}

    private final Path dir; // every file in it; null for a fixed list
    private final Map<Path, Path> fixed; // exactly these, by absolute path; null for a directory
    private final List<Path> watchedDirs;
    private final List<Path> unwatchable; // listed files no directory event tells of: stat-ed at every look
    private final long namespaceDevice;
    private final NamespaceFileIds ids = new NamespaceFileIds();
    // By path, in the order a look reports them (a directory's files sorted by name, a fixed list as given).
    private final Map<Path, Entry> entries;
    private Look last;
    private long lastFull;
    private int stats;

    private NamespaceFiles(Path dir, List<Path> fixed, long namespaceDevice) {
        this.dir = dir == null ? null : dir.toAbsolutePath();
        this.namespaceDevice = namespaceDevice;
        if (dir != null) {
            this.fixed = null;
            this.entries = new TreeMap<>();
            this.watchedDirs = List.of(this.dir);
            this.unwatchable = List.of();
        } else {
            this.fixed = new LinkedHashMap<>();
            this.entries = new LinkedHashMap<>();
            List<Path> dirs = new ArrayList<>();
            List<Path> others = new ArrayList<>();
            for (Path p : fixed) {
                Path absolute = p.toAbsolutePath();
                this.fixed.putIfAbsent(absolute, p);
                if (!watchable(absolute) || absolute.getParent() == null) {
                    others.add(absolute);
                } else if (!dirs.contains(absolute.getParent())) {
                    dirs.add(absolute.getParent());
                }
            }
            this.watchedDirs = List.copyOf(dirs);
            this.unwatchable = List.copyOf(others);
        }
    }

    /** Every file in {@code dir}; a missing directory is empty, an unreadable one an error. */
    static NamespaceFiles in(Path dir, long namespaceDevice) {
        return new NamespaceFiles(dir, null, namespaceDevice);
    }

    /** Exactly these files (those that exist at each look). */
    static NamespaceFiles of(List<Path> paths, long namespaceDevice) {
        return new NamespaceFiles(null, paths, namespaceDevice);
    }

    /**
     * One look.
     *
     * @param changes the watched directories' changes, drained by the caller since the last look; null when not
     *     known (every file is listed and stat-ed)
     * @param afresh whether every file is listed and stat-ed again, whatever the changes say
     */
    synchronized Look look(DirectoryChanges changes, boolean afresh) {
        long now = System.nanoTime();
        if (afresh || last == null || changes == null || now - lastFull >= FULL_LOOK_NANOS || !complete(changes)) {
            return fullLook(changes, now);
        }
        Set<Path> dirty = null;
        for (Path d : watchedDirs) {
            for (String name : changes.names(d)) {
                dirty = add(dirty, d.resolve(name));
            }
        }
        for (Path p : unwatchable) {
            dirty = add(dirty, p);
        }
        for (Entry e : entries.values()) {
            if (!e.settled) {
                dirty = add(dirty, e.path.toAbsolutePath());
            }
        }
        if (dirty == null) {
            return last;
        }
        boolean changed = false;
        for (Path absolute : dirty) {
            Path p = fixed == null ? absolute : fixed.get(absolute);
            if (p == null) {
                continue; // not one of the listed files
            }
            Entry now2 = stat(p);
            if (now2 == null) {
                changed |= entries.remove(p) != null;
            } else if (!now2.equals(entries.get(p))) {
                entries.put(p, now2);
                changed = true;
            }
        }
        if (changed) {
            last = lookOf(List.of());
        }
        return last;
    }

    private static Set<Path> add(Set<Path> set, Path p) {
        Set<Path> s = set == null ? new HashSet<>() : set;
        s.add(p);
        return s;
    }

    private Look fullLook(DirectoryChanges changes, long now) {
        // Watch first, then list: a change between the two is seen now or told at the next look.
        if (changes != null) {
            for (Path d : watchedDirs) {
                changes.watch(d);
            }
        }
        List<Path> files;
        List<LookError> dirErrors = new ArrayList<>();
        if (dir != null) {
            files = new ArrayList<>();
            try (DirectoryStream<Path> listed = Files.newDirectoryStream(dir)) {
                listed.forEach(files::add);
            } catch (NoSuchFileException e) {
                files = List.of();
            } catch (IOException | DirectoryIteratorException e) {
                IOException io = e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e;
                dirErrors.add(new LookError(dir, NamespaceSource.reasonOf(io), String.valueOf(io.getMessage())));
                files = List.of();
            }
        } else {
            files = List.copyOf(fixed.values());
        }
        entries.clear();
        for (Path p : files) {
            Entry e = stat(p);
            if (e != null) {
                entries.put(p, e);
            }
        }
        ids.lookDone();
        lastFull = now;
        last = lookOf(dirErrors);
        // A directory that could not be listed is listed again at the next look.
        if (!dirErrors.isEmpty()) {
            lastFull = now - FULL_LOOK_NANOS;
        }
        return last;
    }

    // The entry of the file at p now; null when it is gone.
    private Entry stat(Path p) {
        stats++;
        try {
            NsId id = ids.idOf(p);
            return id == null ? null : new Entry(p, id, null, id.device() == namespaceDevice && watchable(p));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            LookError error = new LookError(p, NamespaceSource.reasonOf(e), String.valueOf(e.getMessage()));
            return new Entry(p, null, error, false);
        }
    }

    private Look lookOf(List<LookError> dirErrors) {
        Map<NsId, Candidate> found = new LinkedHashMap<>();
        List<LookError> errors = new ArrayList<>(dirErrors);
        for (Entry e : entries.values()) {
            if (e.error != null) {
                errors.add(e.error);
            } else if (e.id != null) {
                found.putIfAbsent(e.id, new Candidate(e.id, pidOf(e.path), e.path));
            }
        }
        return new Look(List.copyOf(found.values()), errors);
    }

    private boolean complete(DirectoryChanges changes) {
        for (Path d : watchedDirs) {
            if (!changes.complete(d)) {
                return false;
            }
        }
        return true;
    }

    // A process's namespace file (/proc/PID/ns/net) comes and goes with the process: inotify says nothing of it.
    private static boolean watchable(Path p) {
        return !p.toAbsolutePath().startsWith(PROC);
    }

    /** The pid in {@code /proc/PID/ns/net}; 0 for any other path. */
    static int pidOf(Path p) {
        if (p.getNameCount() >= 4
                && p.getName(p.getNameCount() - 1).toString().equals("net")
                && p.getName(p.getNameCount() - 2).toString().equals("ns")) {
            String s = p.getName(p.getNameCount() - 3).toString();
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 10) {
                return Integer.parseInt(s);
            }
        }
        return 0;
    }

    /** How many files were stat-ed so far (for tests). */
    synchronized int stats() {
        return stats;
    }
}
