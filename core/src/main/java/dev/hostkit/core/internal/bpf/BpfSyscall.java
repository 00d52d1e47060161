package dev.hostkit.core.internal.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.hostkit.core.Errno;
import dev.hostkit.core.internal.LibC;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The three {@code bpf(2)} commands the socket-owner iterator needs ({@code include/uapi/linux/bpf.h}): load a tracing
 * program for an iterator, link it, and open an iterator on the link. Each returns a new fd the caller owns.
 */
final class BpfSyscall {
    // enum bpf_cmd
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_LINK_CREATE = 28;
    static final int BPF_ITER_CREATE = 33;
    // enum bpf_prog_type, enum bpf_attach_type
    static final int BPF_PROG_TYPE_TRACING = 26;
    static final int BPF_TRACE_ITER = 28;
    // union bpf_attr is larger; the kernel zero-fills what a shorter attr leaves out.
    private static final int ATTR_SIZE = 128;
    private static final int BPF_OBJ_NAME_LEN = 16;
    private static final int LOG_SIZE = 64 * 1024;
    private static final int LOG_LINES = 12;

    private static final long SYS_BPF = sysBpf(System.getProperty("os.arch", ""));

    private BpfSyscall() {}

    /** The bpf(2) syscall number of the running JVM's architecture; -1 when unknown. */
    static long sysBpf(String arch) {
        return switch (arch) {
            case "amd64", "x86_64" -> 321;
            case "aarch64", "arm64" -> 280;
            default -> -1;
        };
    }

    /** Why bpf(2) cannot be called on this architecture; null when it can. */
    static String unsupportedArchitecture() {
        return SYS_BPF < 0 ? "bpf(2) is wired for x86_64 and arm64 only, not " + System.getProperty("os.arch") : null;
    }

    /**
     * BPF_PROG_LOAD of a {@code BPF_TRACE_ITER} tracing program attached to BTF function {@code attachBtfId}. Loaded
     * once without a log; when refused, loaded again with the verifier's log to say why.
     */
    static int loadIterProgram(String name, byte[] insns, String license, int attachBtfId) {
        try (Memory code = new Memory(insns.length);
                Memory lic = cString(license)) {
            code.write(0, insns, 0, insns.length);
            try {
                return progLoad(name, code, insns.length / 8, lic, attachBtfId, null);
            } catch (LastErrorException first) {
                String log = "";
                try (Memory buf = new Memory(LOG_SIZE)) {
                    buf.clear();
                    try {
                        LibC.closeQuietly(progLoad(name, code, insns.length / 8, lic, attachBtfId, buf));
                    } catch (LastErrorException again) {
                        log = lastLines(buf.getString(0, StandardCharsets.US_ASCII.name()));
                    }
                }
                throw new BpfException("BPF_PROG_LOAD", name, LibC.errno(first), log.isEmpty() ? hint(first) : log);
            }
        }
    }

    private static int progLoad(String name, Memory code, int count, Memory license, int attachBtfId, Memory log) {
        try (Memory attr = attr()) {
            attr.setInt(0, BPF_PROG_TYPE_TRACING); // prog_type
            attr.setInt(4, count); // insn_cnt
            attr.setLong(8, Pointer.nativeValue(code)); // insns
            attr.setLong(16, Pointer.nativeValue(license)); // license
            if (log != null) {
                attr.setInt(24, 1); // log_level: the verifier's messages
                attr.setInt(28, (int) log.size()); // log_size
                attr.setLong(32, Pointer.nativeValue(log)); // log_buf
            }
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            attr.write(48, n, 0, Math.min(n.length, BPF_OBJ_NAME_LEN - 1)); // prog_name
            attr.setInt(68, BPF_TRACE_ITER); // expected_attach_type
            attr.setInt(108, attachBtfId); // attach_btf_id (in vmlinux: attach_btf_obj_fd stays 0)
            return (int) LibC.syscall(SYS_BPF, BPF_PROG_LOAD, attr, ATTR_SIZE);
        }
    }

    /** BPF_LINK_CREATE attaching iterator program {@code progFd} to every task. */
    static int linkIter(int progFd) {
        try (Memory attr = attr()) {
            attr.setInt(0, progFd); // prog_fd
            attr.setInt(8, BPF_TRACE_ITER); // attach_type; target_fd, flags and iter_info stay 0: all tasks
            return (int) LibC.syscall(SYS_BPF, BPF_LINK_CREATE, attr, ATTR_SIZE);
        } catch (LastErrorException e) {
            throw new BpfException("BPF_LINK_CREATE", "program fd " + progFd, LibC.errno(e), "");
        }
    }

    /** BPF_ITER_CREATE: a new iterator on link {@code linkFd}, read with read(2) until it returns 0. */
    static int createIter(int linkFd) {
        try (Memory attr = attr()) {
            attr.setInt(0, linkFd); // link_fd
            return (int) LibC.syscall(SYS_BPF, BPF_ITER_CREATE, attr, ATTR_SIZE);
        } catch (LastErrorException e) {
            throw new BpfException("BPF_ITER_CREATE", "link fd " + linkFd, LibC.errno(e), "");
        }
    }

    private static Memory attr() {
        if (SYS_BPF < 0) {
            throw new UnsupportedOperationException(unsupportedArchitecture());
        }
        Memory attr = new Memory(ATTR_SIZE);
        attr.clear();
        return attr;
    }

    private static Memory cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        Memory m = new Memory(b.length + 1);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        return m;
    }

    private static String hint(LastErrorException e) {
        return switch (Errno.of(LibC.errno(e))) {
            case EPERM -> "needs CAP_BPF and CAP_PERFMON (or root)";
            case EINVAL -> "the kernel does not know this program type or attach point (task_file iterators: 5.8+)";
            default -> "";
        };
    }

    // The verifier's verdict is at the end of its log.
    static String lastLines(String log) {
        List<String> lines =
                Arrays.stream(log.strip().split("\n")).filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()));
    }
}
