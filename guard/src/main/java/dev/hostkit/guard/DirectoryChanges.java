package dev.hostkit.guard;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.internal.LibC;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The entries created, deleted or renamed in some directories, from one non-blocking inotify fd that is never waited
 * on: its owner drains it at each of its own wake-ups, so watching adds no thread and no wake-up. A directory whose
 * watch could not be made or went away, or events the kernel could not queue, are not {@link #complete}: anything may
 * have changed there. Not thread-safe (one caller at a time); {@link #close()} releases the fd.
 */
final class DirectoryChanges implements AutoCloseable {
    private static final int WATCHED = LibC.IN_CREATE
            | LibC.IN_DELETE
            | LibC.IN_MOVED_FROM
            | LibC.IN_MOVED_TO
            | LibC.IN_DELETE_SELF
            | LibC.IN_MOVE_SELF
            | LibC.IN_ONLYDIR;
    // struct inotify_event: wd (4), mask (4), cookie (4), len (4), name (len bytes, NUL-padded).
    private static final int EVENT_HEADER = 16;
    private static final int BUFFER = 16 * 1024;

    private final int fd;
    private final Map<Integer, Path> dirs = new HashMap<>();
    private final byte[] buffer = new byte[BUFFER];
    private final ByteBuffer view = ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder());
    private final int[] pollFd = new int[2];
    private final Map<Path, Set<String>> changed = new HashMap<>();
    private final Set<Path> lost = new HashSet<>();
    private boolean closed;

    /**
     * Opens the inotify fd.
     *
     * @throws LastErrorException when the kernel refuses one (EMFILE: {@code fs.inotify.max_user_instances})
     */
    DirectoryChanges() {
        this.fd = LibC.inotify_init1(LibC.IN_NONBLOCK | LibC.IN_CLOEXEC);
        pollFd[0] = fd;
        pollFd[1] = LibC.POLLIN;
    }

    /**
     * Watches {@code dir} (again: a directory replaced under the same path gets a new watch).
     *
     * @return whether it is watched now; false when it is missing or cannot be watched
     */
    boolean watch(Path dir) {
        int wd;
        try {
            wd = LibC.inotify_add_watch(fd, dir.toString(), WATCHED);
        } catch (LastErrorException e) {
            dirs.values().remove(dir);
            return false;
        }
        dirs.values().remove(dir); // an older watch of a former directory at this path: its events still come
        dirs.put(wd, dir);
        return true;
    }

    /**
     * Reads every event queued since the last call, without waiting; {@link #names} and {@link #complete} answer for
     * them until the next call.
     */
    void drain() {
        changed.values().forEach(Set::clear);
        lost.clear();
        while (LibC.poll(pollFd, 1, 0) > 0) {
            long n;
            try {
                n = LibC.read(fd, buffer, BUFFER);
            } catch (LastErrorException e) {
                return; // EAGAIN: read meanwhile
            }
            for (int off = 0; off + EVENT_HEADER <= n; ) {
                int wd = view.getInt(off);
                int mask = view.getInt(off + 4);
                int len = view.getInt(off + 12);
                Path dir = dirs.get(wd);
                if ((mask & LibC.IN_Q_OVERFLOW) != 0) {
                    lost.addAll(dirs.values());
                } else if ((mask & (LibC.IN_IGNORED | LibC.IN_DELETE_SELF | LibC.IN_MOVE_SELF)) != 0) {
                    if (dir != null) {
                        lost.add(dir);
                        if ((mask & LibC.IN_IGNORED) != 0) {
                            dirs.remove(wd);
                        }
                    }
                } else if (dir != null && len > 0) {
                    int name = off + EVENT_HEADER;
                    int end = name;
                    while (end < name + len && buffer[end] != 0) {
                        end++;
                    }
                    changed.computeIfAbsent(dir, d -> new HashSet<>())
                            .add(new String(buffer, name, end - name, StandardCharsets.UTF_8));
                }
                off += EVENT_HEADER + len;
            }
        }
    }

    /** The names created, deleted or renamed in {@code dir} as of the last {@link #drain}. */
    Set<String> names(Path dir) {
        Set<String> names = changed.get(dir);
        return names == null ? Set.of() : names;
    }

    /**
     * Whether {@link #names} is everything that changed in {@code dir} as of the last {@link #drain}: it is watched,
     * and no event about it was lost.
     */
    boolean complete(Path dir) {
        return !lost.contains(dir) && dirs.containsValue(dir);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.closeQuietly(fd);
        }
    }
}
