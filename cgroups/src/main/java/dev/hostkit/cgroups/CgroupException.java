package dev.hostkit.cgroups;

import dev.hostkit.core.Errno;

import java.nio.file.Path;

/**
 * A cgroup file or mount that could not be used: names the file and says why (errno or the cause).
 * Thrown by single-cgroup readers; the census records these as problems instead of failing.
 */
public class CgroupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final Errno errno;

    /**
     * @param file the file or directory that failed
     * @param errno the errno when the kernel gave one, else {@code null}
     * @param why what went wrong, in words
     * @param cause the underlying exception, or {@code null}
     */
    public CgroupException(Path file, Errno errno, String why, Throwable cause) {
        super(
                file + ": "
                        + (errno == null ? why : errno.describe() + (why == null || why.isEmpty() ? "" : ": " + why)),
                cause);
        this.file = file;
        this.errno = errno;
    }

    /** The file or directory that failed. */
    public Path file() {
        return file;
    }

    /** The errno when the failure came from the kernel ({@code EACCES}, {@code ENODEV}...), else {@code null}. */
    public Errno errno() {
        return errno;
    }
}
