package dev.hostkit.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes and removes files so that readers (node_exporter's textfile collector, a restarting guardian) see the old or
 * the new content, never half of it, and so that a completed call survives a crash: a temp file in the same directory
 * with the final mode, fsync, rename, directory fsync. A failed directory fsync fails the call.
 */
public final class AtomicFiles {
    /** {@code rw-r--r--}: readable by every user, for files other programs read (metrics). */
    public static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");
    /** {@code rw-------}: the owner's only (state that names other tenants' addresses). */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    // Forces a directory to disk. A seam for tests only: the kernel will not fail an fsync on demand.
    interface DirectorySync {
        void force(Path dir) throws IOException;
    }

    static volatile DirectorySync directorySync = dir -> {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    };

    private static final long PID = ProcessHandle.current().pid();
    // Package-private: a test puts a file where the next temp file would go.
    static final AtomicLong TEMP_COUNTER = new AtomicLong();

    private AtomicFiles() {}

    /**
     * Writes {@code content} as UTF-8 to {@code target} with mode 0644, creating missing parent directories.
     *
     * @throws IOException when any step fails, the directory fsync included; the target then holds the old or the
     *                     new content
     */
    public static void write(Path target, String content) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        write(target, content.getBytes(StandardCharsets.UTF_8), WORLD_READABLE);
    }

    /**
     * Writes {@code content} to {@code target} with exactly {@code mode} (set explicitly, so the umask does not
     * narrow or widen it). The directory must exist.
     *
     * @throws IOException when any step fails, the directory fsync included; the target then holds the old or the
     *                     new content, and no temp file is left
     */
    public static void write(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = writeTemp(dir, target, content, mode);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir, target.getFileName() + " was renamed into place");
    }

    /**
     * Writes and removes many files of one directory as one batch, each with the guarantee of {@link #write(Path,
     * byte[], Set)} and {@link #delete(Path)}: every file is written to a temp file and fsync-ed first, then all are
     * renamed into place (and the removals done), then the directory is fsync-ed once for all of them. A crash at any
     * point leaves each target with its old or its new content, never half. One file's failure does not stop the
     * others.
     *
     * @param dir the directory every target is in (it must exist)
     * @param changes each target's new content, or {@code null} to remove it; iterated in order
     * @param mode the mode of every written file
     * @return the targets whose change failed, with why (the directory fsync's failure is every changed target's);
     *     empty when all are done and durable
     */
    public static Map<Path, IOException> writeAll(Path dir, Map<Path, byte[]> changes, Set<PosixFilePermission> mode) {
        Path d = dir.toAbsolutePath();
        Map<Path, IOException> failed = new LinkedHashMap<>();
        Map<Path, Path> temps = new LinkedHashMap<>();
        List<Path> removals = new ArrayList<>();
        changes.forEach((target, content) -> {
            if (!d.equals(target.toAbsolutePath().getParent())) {
                failed.put(target, new IOException(target + " is not in the batch's directory " + d));
            } else if (content == null) {
                removals.add(target);
            } else {
                try {
                    temps.put(target, writeTemp(d, target, content, mode));
                } catch (IOException e) {
                    failed.put(target, e);
                }
            }
        });
        List<Path> done = new ArrayList<>();
        temps.forEach((target, tmp) -> {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                done.add(target);
            } catch (IOException e) {
                failed.put(target, e);
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
            }
        });
        for (Path target : removals) {
            try {
                if (Files.deleteIfExists(target)) {
                    done.add(target);
                }
            } catch (IOException e) {
                failed.put(target, e);
            }
        }
        if (!done.isEmpty()) {
            try {
                syncDirectory(d, done.size() + " files were renamed into place or removed");
            } catch (IOException e) {
                done.forEach(target -> failed.put(target, e));
            }
        }
        return failed;
    }

    // The content in a temp file beside target, fsync-ed, with the final mode; removed again when anything fails.
    private static Path writeTemp(Path dir, Path target, byte[] content, Set<PosixFilePermission> mode)
            throws IOException {
        Temp temp = createTemp(dir, target.getFileName().toString());
        Path tmp = temp.path();
        try {
            try (FileChannel ch = temp.channel()) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, mode); // exactly: the umask narrowed the creation mode
            return tmp;
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /** A temp file this call created, open for writing. */
    private record Temp(Path path, FileChannel channel) {}

    /**
     * Creates {@code .NAME.PID-N.tmp} in {@code dir}, 0600 whatever the final mode (nobody reads a half-written temp
     * file), exclusively: never a file or link someone else put there, which is left alone. Named by pid and a counter
     * rather than Files.createTempFile's random name, whose SecureRandom would load the JDK's security providers into
     * a daemon for nothing.
     */
    private static Temp createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = dir.resolve("." + name + "." + PID + "-" + TEMP_COUNTER.incrementAndGet() + ".tmp");
            try {
                return new Temp(
                        candidate,
                        FileChannel.open(
                                candidate,
                                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                                PosixFilePermissions.asFileAttribute(OWNER_ONLY)));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 99) {
                    throw e;
                }
            }
        }
    }

    /**
     * Removes {@code target} durably.
     *
     * @return false when there was no such file
     * @throws IOException when the removal or the directory fsync fails
     */
    public static boolean delete(Path target) throws IOException {
        if (!Files.deleteIfExists(target)) {
            return false;
        }
        Path dir = target.toAbsolutePath().getParent();
        syncDirectory(dir, target.getFileName() + " was removed");
        return true;
    }

    // A rename or unlink is durable only once the directory itself is on disk.
    private static void syncDirectory(Path dir, String done) throws IOException {
        try {
            directorySync.force(dir);
        } catch (IOException e) {
            throw new IOException(
                    "fsync of directory " + dir + " failed after " + done + ", so the change may not survive a crash: "
                            + e,
                    e);
        }
    }
}
