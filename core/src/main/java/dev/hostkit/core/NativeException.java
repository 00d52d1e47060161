package dev.hostkit.core;

/**
 * A system call (or a kernel reply carrying an errno) that failed: what was called, on what, and why.
 * The message reads {@code setns(/proc/4242/ns/net): EPERM (Operation not permitted)}.
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String target;
    private final int errnoNumber;

    /**
     * @param operation the call, e.g. {@code setns}
     * @param target what it was called on, e.g. {@code /proc/4242/ns/net}; may be empty
     * @param errno the raw errno number (sign ignored)
     */
    public NativeException(String operation, String target, int errno) {
        this(operation, target, errno, null, null);
    }

    /**
     * For subclasses that add detail (such as the kernel's extended-ACK text) after the errno.
     *
     * @param operation the call or operation
     * @param target what it acted on; may be empty
     * @param errno the raw errno number (sign ignored)
     * @param detail appended after the errno text, or {@code null}
     * @param cause the underlying exception, or {@code null}
     */
    protected NativeException(String operation, String target, int errno, String detail, Throwable cause) {
        super(format(operation, target, errno, detail), cause);
        this.operation = operation;
        this.target = target == null ? "" : target;
        this.errnoNumber = Math.abs(errno);
    }

    private static String format(String operation, String target, int errno, String detail) {
        Errno e = Errno.of(errno);
        String why = e == Errno.UNKNOWN ? "errno " + Math.abs(errno) : e.describe();
        String on = target == null || target.isEmpty() ? "" : "(" + target + ")";
        return operation + on + ": " + why + (detail == null || detail.isEmpty() ? "" : ": " + detail);
    }

    /** The failed call or operation, e.g. {@code setns}. */
    public String operation() {
        return operation;
    }

    /** What the call acted on, e.g. a path or an interface name; empty when there is none. */
    public String target() {
        return target;
    }

    /** The errno; {@link Errno#UNKNOWN} for a number the table lacks (see {@link #errnoNumber()}). */
    public Errno errno() {
        return Errno.of(errnoNumber);
    }

    /** The raw errno number as the kernel reported it (positive). */
    public int errnoNumber() {
        return errnoNumber;
    }
}
