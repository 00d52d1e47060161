package dev.hostkit.core.internal.bpf;

import com.sun.jna.LastErrorException;
import dev.hostkit.core.Errno;
import dev.hostkit.core.internal.LibC;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A loaded and linked {@code task_file} iterator program that lists every socket fd of every process on the host as
 * (tgid, fd, inode), one {@code read} loop per scan. Holds one fd (the link, which keeps the program); thread-safe.
 */
public final class SocketFileIterator implements AutoCloseable {
    /** Receives one socket fd of one process. */
    @FunctionalInterface
    public interface Sink {
        void socket(int tgid, int fd, long inode);
    }

    static final String PROGRAM_NAME = "hk_sock_owners";
    private static final int READ_BUFFER = 64 * 1024; // a multiple of the record size

    private int linkFd;

    private SocketFileIterator(int linkFd) {
        this.linkFd = linkFd;
    }

    /**
     * Loads the program for a kernel with {@code layout} and links it to every task.
     *
     * @throws BpfException naming the refused command and errno, with the verifier's last lines for a refused program
     * @throws UnsupportedOperationException on an architecture whose bpf(2) number is not known here
     */
    public static SocketFileIterator load(TaskFileLayout layout) {
        byte[] insns = SocketFileProgram.instructions(layout);
        int prog = BpfSyscall.loadIterProgram(PROGRAM_NAME, insns, SocketFileProgram.LICENSE, layout.attachBtfId());
        try {
            return new SocketFileIterator(BpfSyscall.linkIter(prog));
        } finally {
            LibC.closeQuietly(prog); // the link holds the program from here on
        }
    }

    /**
     * Runs one iteration: opens a new iterator on the link and reads it to its end, handing each record to {@code
     * sink} in the kernel's order (by tgid, then fd).
     *
     * @throws BpfException when the iterator cannot be created or read
     * @throws IllegalStateException once closed
     */
    public synchronized void scan(Sink sink) {
        if (linkFd < 0) {
            throw new IllegalStateException("socket iterator closed");
        }
        int iter = BpfSyscall.createIter(linkFd);
        try {
            byte[] buf = new byte[READ_BUFFER];
            ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
            int kept = 0; // bytes of a record cut by the previous read (never seen: records are written whole)
            while (true) {
                long n = read(iter, buf, kept);
                if (n == 0) {
                    break;
                }
                int end = kept + (int) n;
                int off = 0;
                for (; off + SocketFileProgram.RECORD <= end; off += SocketFileProgram.RECORD) {
                    sink.socket(view.getInt(off), view.getInt(off + 4), view.getLong(off + 8));
                }
                kept = end - off;
                System.arraycopy(buf, off, buf, 0, kept);
            }
        } finally {
            LibC.closeQuietly(iter);
        }
    }

    // read(2) into buf after its first `from` bytes; EINTR is retried. `from` is 0 in practice (see scan).
    private static long read(int fd, byte[] buf, int from) {
        byte[] into = from == 0 ? buf : new byte[buf.length - from];
        while (true) {
            try {
                long n = LibC.read(fd, into, into.length);
                if (from != 0) {
                    System.arraycopy(into, 0, buf, from, (int) n);
                }
                return n;
            } catch (LastErrorException e) {
                if (LibC.errno(e) != Errno.EINTR.number()) {
                    throw new BpfException("read iterator", "task_file", LibC.errno(e), "");
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        LibC.closeQuietly(linkFd);
        linkFd = -1;
    }
}
