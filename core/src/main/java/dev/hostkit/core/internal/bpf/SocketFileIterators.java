package dev.hostkit.core.internal.bpf;

import dev.hostkit.core.internal.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where socket iterators come from: the first call reads the kernel's BTF, loads a program on it and checks it against
 * a socket of its own; later calls reuse those numbers. When BPF cannot serve, the reason, logged once at debug.
 */
public final class SocketFileIterators {
    /** System property; {@code false} turns the iterator off (the {@code /proc} scan is used). */
    public static final String PROPERTY = "hostkit.bpf";

    private static final Logger LOG = LoggerFactory.getLogger(SocketFileIterators.class);
    // include/linux/proc_ns.h: PROC_PID_INIT_INO, the inode number of the initial pid namespace on every kernel.
    private static final String INIT_PID_NS = "pid:[4026531836]";

    private static TaskFileLayout layout;
    private static String unavailable;
    private static boolean disabledLogged;

    private SocketFileIterators() {}

    /**
     * A newly loaded iterator for one scan (the caller closes it), or empty when BPF cannot be used here or is turned
     * off. Nothing stays open between scans: loading and verifying this program costs well under a millisecond once
     * the kernel's numbers are known (measured in benchmarks/results/sockdiag.md), and an fd held for the JVM's life
     * would look like a leak to every fd-counting check.
     *
     * @throws BpfException when a kernel that loaded the program before refuses it now
     */
    public static Optional<SocketFileIterator> open() {
        return layout().map(SocketFileIterator::load);
    }

    /** The kernel's numbers once a program built on them has loaded and passed the self-test; else empty. */
    public static synchronized Optional<TaskFileLayout> layout() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
            if (!disabledLogged) {
                LOG.debug("socket owners: BPF iterator not used: -D{}=false; reading /proc/PID/fd", PROPERTY);
                disabledLogged = true;
            }
            return Optional.empty();
        }
        if (layout == null && unavailable == null) {
            try {
                layout = load();
            } catch (RuntimeException e) {
                unavailable = e.getMessage();
            }
            if (unavailable != null) {
                LOG.debug("socket owners: BPF iterator not used: {}; reading /proc/PID/fd", unavailable);
            }
        }
        return Optional.ofNullable(layout);
    }

    /** Why the iterator is not available; empty when it is, or before the first {@link #layout}. */
    public static synchronized Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    private static TaskFileLayout load() {
        String arch = BpfSyscall.unsupportedArchitecture();
        if (arch != null) {
            throw new UnsupportedOperationException(arch);
        }
        // The program reports task->tgid, a pid of the initial pid namespace; the /proc scan and every caller speak
        // the pids of ours. Only in the initial namespace are they the same numbers, and that namespace has a fixed
        // inode (a container's /proc/1 is its own init, so comparing with /proc/1/ns/pid would not tell).
        String ns = link(Path.of("/proc/self/ns/pid"));
        if (!INIT_PID_NS.equals(ns)) {
            throw new IllegalStateException("this process is not in the initial pid namespace (" + ns + ")");
        }
        long start = System.nanoTime();
        TaskFileLayout layout = Btf.readLayout(Btf.VMLINUX);
        long parsed = System.nanoTime();
        long linked;
        try (SocketFileIterator loaded = SocketFileIterator.load(layout)) {
            linked = System.nanoTime();
            selfTest(loaded);
        }
        LOG.debug(
                "socket owners: BPF task_file iterator ready (BTF {} ms, load+verify+link {} ms, self-test {} ms)",
                (parsed - start) / 1_000_000.0,
                (linked - parsed) / 1_000_000.0,
                (System.nanoTime() - linked) / 1_000_000.0);
        return layout;
    }

    // One socket of our own must come back with our pid, its fd and its inode, or the numbers are not ours.
    private static void selfTest(SocketFileIterator it) {
        int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        try {
            String target = link(Path.of("/proc/self/fd/" + fd));
            long inode = Long.parseLong(target.substring("socket:[".length(), target.length() - 1));
            int pid = LibC.getpid();
            boolean[] seen = new boolean[1];
            it.scan((tgid, f, ino) -> seen[0] |= tgid == pid && f == fd && ino == inode);
            if (!seen[0]) {
                throw new IllegalStateException("self-test: the iterator did not report this process's socket fd " + fd
                        + " (inode " + inode + ") as pid " + pid);
            }
        } finally {
            LibC.closeQuietly(fd);
        }
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p + ": " + e, e);
        }
    }
}
