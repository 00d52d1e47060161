package dev.hostkit.core.internal.bpf;

import dev.hostkit.core.NativeException;

/**
 * A {@code bpf(2)} command that failed: which command, on what, the errno, and for a refused program the last lines
 * of the verifier's log.
 */
public final class BpfException extends NativeException {
    private static final long serialVersionUID = 1L;

    BpfException(String command, String target, int errno, String detail) {
        super("bpf(" + command + ")", target, errno, detail, null);
    }
}
