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
        Temp tmp = createTemp(dir, target.getFileName().toString());
        try {
            try (FileChannel ch = tmp.channel()) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp.path(), mode);
            Files.move(tmp.path(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp.path());
        }
        syncDirectory(dir, target.getFileName() + " was renamed into place");
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
