package dev.hostkit.core.internal.bpf;

import dev.hostkit.core.internal.LibC;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Socket scans by the {@code task_file} iterator: the kernel's numbers are read once per JVM, a program is loaded per
 * scan, and the first scan proves it on a socket of its own. When BPF cannot serve, the reason, logged once at debug.
 */
public final class SocketFileIterators {
    /** System property; {@code false} turns the iterator off (the {@code /proc} scan is used). */
    public static final String PROPERTY = "hostkit.bpf";

    private static final Logger LOG = LoggerFactory.getLogger(SocketFileIterators.class);
    // include/linux/proc_ns.h: PROC_PID_INIT_INO, the inode number of the initial pid namespace on every kernel.
    private static final String INIT_PID_NS = "pid:[4026531836]";

    private static TaskFileLayout layout;
    private static boolean proven; // a scan has reported our own marker socket correctly
    private static String unavailable;
    private static boolean disabledLogged;

    private SocketFileIterators() {}

    /**
     * Hands every socket fd of every process to {@code sink}, from a program loaded for this scan and closed with it.
     * Nothing stays open between scans: loading and verifying the program costs well under a millisecond once the
     * kernel's numbers are known (benchmarks/results/sockdiag.md), and an fd held for the JVM's life would look like a
     * leak to every fd-counting check. The first scan also carries the self-test: a socket of this process must come
     * back with this process's pid, its fd and its inode, or the numbers are not ours and BPF is not used again.
     *
     * @return false when BPF cannot serve here (turned off, unavailable, or the self-test failed): whatever {@code
     *     sink} received must then be discarded
     * @throws BpfException when a kernel that ran the program before refuses it now (use another way this time)
     */
    public static boolean scan(SocketFileIterator.Sink sink) {
        Optional<TaskFileLayout> numbers = layout();
        if (numbers.isEmpty()) {
            return false;
        }
        if (isProven()) {
            try (SocketFileIterator it = SocketFileIterator.load(numbers.get())) {
                it.scan(sink);
            }
            return true;
        }
        long start = System.nanoTime();
        int marker;
        long markerInode;
        try {
            marker = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        } catch (RuntimeException e) {
            return refuse("self-test: cannot open a socket: " + e.getMessage());
        }
        try {
            try {
                String target = link(Path.of("/proc/self/fd/" + marker));
                markerInode = Long.parseLong(target.substring("socket:[".length(), target.length() - 1));
            } catch (RuntimeException e) {
                return refuse("self-test: cannot read this process's socket fd " + marker + ": " + e.getMessage());
            }
            int pid = LibC.getpid();
            boolean[] seen = new boolean[1];
            try (SocketFileIterator it = SocketFileIterator.load(numbers.get())) {
                it.scan((tgid, fd, inode) -> {
                    if (tgid == pid && fd == marker && inode == markerInode) {
                        seen[0] = true; // ours, and closed below: not part of the answer
                    } else {
                        sink.socket(tgid, fd, inode);
                    }
                });
            } catch (BpfException e) {
                return refuse(e.getMessage()); // a program this kernel never ran: not a passing failure
            }
            if (!seen[0]) {
                return refuse("self-test: the iterator did not report this process's socket fd " + marker + " (inode "
                        + markerInode + ") as pid " + pid);
            }
        } finally {
            LibC.closeQuietly(marker);
        }
        synchronized (SocketFileIterators.class) {
            proven = true;
        }
        LOG.debug("socket owners: BPF task_file iterator proven ({} us, load and first scan)", micros(start));
        return true;
    }

    /**
     * The kernel's numbers (read once: BTF at {@link Btf#VMLINUX}), or empty when BPF cannot be used here or is turned
     * off.
     */
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
                layout = read();
            } catch (RuntimeException e) {
                refuse(e.getMessage());
            }
        }
        return Optional.ofNullable(layout);
    }

    /** Why the iterator is not used; empty when it is, or before the first {@link #layout}. */
    public static synchronized Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    private static synchronized boolean isProven() {
        return proven;
    }

    private static synchronized boolean refuse(String why) {
        unavailable = why;
        layout = null;
        LOG.debug("socket owners: BPF iterator not used: {}; reading /proc/PID/fd", why);
        return false;
    }

    private static TaskFileLayout read() {
        String arch = BpfSyscall.unsupportedArchitecture();
        if (arch != null) {
            throw new UnsupportedOperationException(arch);
        }
        // The program reports task->tgid, a pid of the initial pid namespace; the /proc scan and every caller speak
        // the pids of ours. Only in the initial namespace are they the same numbers, and that namespace has a fixed
        // inode (a container's /proc/1 is its own init, so comparing with /proc/1/ns/pid would not tell). The first
        // scan's self-test checks the numbers once more.
        String ns = link(Path.of("/proc/self/ns/pid"));
        if (!INIT_PID_NS.equals(ns)) {
            throw new IllegalStateException("this process is not in the initial pid namespace (" + ns + ")");
        }
        long start = System.nanoTime();
        TaskFileLayout read = Btf.readLayout(Btf.VMLINUX);
        LOG.debug("socket owners: kernel BTF read for the BPF iterator ({} us)", micros(start));
        return read;
    }

    // Whole microseconds, not a formatted fraction: the argument is made even when debug is off, and Formatter's "%f"
    // would load the JDK's locale data into every plugin run.
    private static long micros(long since) {
        return (System.nanoTime() - since) / 1000;
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p + ": " + e, e);
        }
    }
}
