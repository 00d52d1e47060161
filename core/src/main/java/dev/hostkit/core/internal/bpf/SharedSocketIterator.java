package dev.hostkit.core.internal.bpf;

import dev.hostkit.core.internal.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The JVM's one socket iterator: loaded on first use (BTF read, program verified, linked, checked against a socket
 * of its own) and kept for every later scan; or, when BPF cannot serve, the reason, logged once at debug.
 */
public final class SharedSocketIterator {
    /** System property; {@code false} turns the iterator off (the {@code /proc} scan is used). */
    public static final String PROPERTY = "hostkit.bpf";

    private static final Logger LOG = LoggerFactory.getLogger(SharedSocketIterator.class);
    // include/linux/proc_ns.h: PROC_PID_INIT_INO, the inode number of the initial pid namespace on every kernel.
    private static final String INIT_PID_NS = "pid:[4026531836]";

    private static SocketFileIterator iterator;
    private static String unavailable;
    private static boolean disabledLogged;

    private SharedSocketIterator() {}

    /** The iterator, or empty when BPF cannot be used here or is turned off; the first call pays the load. */
    public static synchronized Optional<SocketFileIterator> get() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
            if (!disabledLogged) {
                LOG.debug("socket owners: BPF iterator not used: -D{}=false; reading /proc/PID/fd", PROPERTY);
                disabledLogged = true;
            }
            return Optional.empty();
        }
        if (iterator == null && unavailable == null) {
            try {
                iterator = load();
            } catch (RuntimeException e) {
                unavailable = e.getMessage();
            }
            if (unavailable != null) {
                LOG.debug("socket owners: BPF iterator not used: {}; reading /proc/PID/fd", unavailable);
            }
        }
        return Optional.ofNullable(iterator);
    }

    /** Why the iterator is not available; empty when it is, or before the first {@link #get}. */
    public static synchronized Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    /**
     * Closes the iterator (after a scan in progress ends) and forgets a failure: the next {@link #get} loads again.
     * Not needed at exit: the kernel drops the program and its link with the process's last fd.
     */
    public static synchronized void release() {
        if (iterator != null) {
            iterator.close();
        }
        iterator = null;
        unavailable = null;
        disabledLogged = false;
    }

    private static SocketFileIterator load() {
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
        SocketFileIterator loaded = SocketFileIterator.load(layout);
        long linked = System.nanoTime();
        try {
            selfTest(loaded);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        LOG.debug(
                "socket owners: BPF task_file iterator ready (BTF {} ms, load+verify+link {} ms, self-test {} ms)",
                (parsed - start) / 1_000_000.0,
                (linked - parsed) / 1_000_000.0,
                (System.nanoTime() - linked) / 1_000_000.0);
        return loaded;
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
