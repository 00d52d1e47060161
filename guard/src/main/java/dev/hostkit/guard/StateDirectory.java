package dev.hostkit.guard;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.Errno;
import dev.hostkit.core.internal.LibC;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The guardian's claim on its state directory: the directory is checked (created 0700 when missing; an existing one
 * must be a real directory owned by this uid and not writable by group or others, and is never chmod-ed) and locked with
 * {@code flock} on {@value #LOCK_FILE}, so a second guardian on it fails at start. Closing releases the lock.
 */
final class StateDirectory implements AutoCloseable {
    /** The lock file inside the directory; it stays when released (removing it would race a guardian opening it). */
    static final String LOCK_FILE = "guardian.lock";

    private static final int S_IWGRP = 0020;
    private static final int S_IWOTH = 0002;

    private final Path dir;
    private final Path lockFile;
    private int lockFd;

    private StateDirectory(Path dir, Path lockFile, int lockFd) {
        this.dir = dir;
        this.lockFile = lockFile;
        this.lockFd = lockFd;
    }

    /**
     * Checks, creates when missing, and locks {@code given}.
     *
     * @throws StateDirectoryException when the directory is refused or locked by another guardian (one line, nothing changed)
     * @throws IOException when it cannot be created or read
     */
    static StateDirectory claim(Path given) throws IOException {
        Path dir = checkPath(given);
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // Checked below like any existing directory; a file or a link in its place is refused there.
        }
        checkOwnDirectory(dir);
        return lock(dir);
    }

    /**
     * The directory as an absolute path, checked for reading only (no ownership rule: a health check may run as
     * another user): it must exist and be a directory, not a symbolic link.
     */
    static Path checkReadable(Path given) throws IOException {
        Path dir = checkPath(given);
        BasicFileAttributes a = attributes(dir);
        if (a == null) {
            throw new StateDirectoryException(given, "state directory " + dir + " does not exist");
        }
        checkKind(dir, a);
        return dir;
    }

    Path path() {
        return dir;
    }

    private static Path checkPath(Path given) throws StateDirectoryException {
        if (given.toString().isEmpty()) {
            // Path.of("") is the working directory: an unset variable in a unit file must not make the guardian own
            // "/".
            throw new StateDirectoryException(given, "state directory is an empty path; give the directory explicitly");
        }
        return given.toAbsolutePath().normalize();
    }

    private static void checkOwnDirectory(Path dir) throws IOException {
        BasicFileAttributes a = attributes(dir);
        if (a == null) {
            throw new StateDirectoryException(dir, "state directory " + dir + " vanished while it was being created");
        }
        checkKind(dir, a);
        Map<String, Object> unix = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) unix.get("uid");
        int mode = (Integer) unix.get("mode") & 07777;
        int me = LibC.geteuid();
        if (uid != me) {
            throw new StateDirectoryException(
                    dir,
                    "state directory " + dir + " is owned by uid " + uid + ", not by this guardian's uid " + me
                            + "; refusing it (its owner could feed the guardian state files)");
        }
        if ((mode & (S_IWGRP | S_IWOTH)) != 0) {
            throw new StateDirectoryException(
                    dir,
                    "state directory " + dir + " has mode " + String.format("%04o", mode) + ", writable by "
                            + ((mode & S_IWOTH) != 0 ? "others" : "its group")
                            + "; refusing it (make it 0700, or give a private directory)");
        }
    }

    private static void checkKind(Path dir, BasicFileAttributes a) throws StateDirectoryException {
        if (a.isSymbolicLink()) {
            throw new StateDirectoryException(
                    dir, "state directory " + dir + " is a symbolic link; give the directory it points to");
        }
        if (!a.isDirectory()) {
            throw new StateDirectoryException(dir, "state directory " + dir + " is not a directory");
        }
    }

    private static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    // flock, not FileChannel.lock: an fcntl lock belongs to the process and is dropped when ANY of its fds on the file
    // is
    // closed (a second guardian or a reader in the same JVM would silently release it, and the JVM reports an
    // overlap instead of the holder); flock belongs to this open file description only, and shows in /proc/locks as
    // FLOCK.
    private static StateDirectory lock(Path dir) throws IOException {
        Path lockFile = dir.resolve(LOCK_FILE);
        // NOFOLLOW: a symbolic link planted as the lock file is refused (ELOOP), not followed.
        try (SeekableByteChannel c = Files.newByteChannel(
                lockFile,
                java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            // created (or already there); locked below through an fd of its own
        } catch (IOException e) {
            throw new IOException("cannot open the state directory's lock file " + lockFile + ": " + e, e);
        }
        int fd;
        try {
            fd = LibC.open(lockFile.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException(
                    "cannot open the state directory's lock file " + lockFile + ": "
                            + LibC.failure("open", lockFile.toString(), e).getMessage(),
                    e);
        }
        try {
            LibC.flock(fd, LibC.LOCK_EX | LibC.LOCK_NB);
        } catch (LastErrorException e) {
            LibC.closeQuietly(fd);
            if (LibC.errno(e) == Errno.EAGAIN.number()) {
                throw new StateDirectoryException(
                        dir,
                        "state directory " + dir + " is in use by another guardian" + holder(lockFile)
                                + ": it holds the lock " + lockFile);
            }
            throw new IOException(
                    "cannot lock " + lockFile + ": "
                            + LibC.failure("flock", lockFile.toString(), e).getMessage(),
                    e);
        }
        try {
            // For the message a second guardian prints; the lock, not this content, is what counts.
            Files.writeString(
                    lockFile,
                    ProcessHandle.current().pid() + "\n",
                    StandardCharsets.US_ASCII,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            LibC.closeQuietly(fd);
            throw new IOException("cannot write the lock file " + lockFile + ": " + e, e);
        }
        return new StateDirectory(dir, lockFile, fd);
    }

    private static String holder(Path lockFile) {
        try {
            String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).strip();
            return pid.matches("[0-9]{1,10}") ? " (pid " + pid + ")" : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Releases the lock. Idempotent. */
    @Override
    public synchronized void close() {
        LibC.closeQuietly(lockFd);
        lockFd = -1;
    }

    @Override
    public String toString() {
        return dir + " (locked through " + lockFile + ")";
    }
}
