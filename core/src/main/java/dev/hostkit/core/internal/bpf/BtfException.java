package dev.hostkit.core.internal.bpf;

/**
 * The kernel's BTF could not be read or lacks something the iterator program needs.
 * The message names the file and what was missing or malformed.
 */
public final class BtfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BtfException(String source, String what) {
        super("BTF " + source + ": " + what);
    }

    BtfException(String source, String what, Throwable cause) {
        super("BTF " + source + ": " + what, cause);
    }
}
