package dev.hostkit.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A process as {@code /proc/PID} describes it at one moment: pid, start time (so a reused pid is told apart), comm,
 * command line and the container id from its cgroup path when it has one. Immutable.
 *
 * @param pid the process id (in the reader's pid namespace)
 * @param startTicks when it started, in clock ticks since boot ({@code stat} field 22); pid + startTicks name one
 *                   process for the life of the host
 * @param comm the command name ({@code comm}, at most 15 bytes)
 * @param cmdline the arguments ({@code cmdline}); empty for kernel threads and zombies
 * @param containerId the 64-hex container id from {@code cgroup} (Docker, containerd, CRI-O layouts), or empty
 */
public record ProcessInfo(int pid, long startTicks, String comm, List<String> cmdline, String containerId) {
    /** Canonical constructor; copies the arguments. */
    public ProcessInfo {
        cmdline = List.copyOf(cmdline);
    }

    /** The command line joined with spaces, as {@code ps} shows it. */
    public String commandLine() {
        return String.join(" ", cmdline);
    }

    /** Whether this is the process running this code. */
    public boolean isCurrentProcess() {
        return pid == ProcessHandle.current().pid();
    }

    /**
     * Reads {@code proc/PID} under {@code proc}.
     *
     * @return the process, or empty when it exited (or its files vanished) while being read
     */
    public static Optional<ProcessInfo> read(ProcFs proc, int pid) {
        Path dir = proc.proc().resolve(Integer.toString(pid));
        try {
            String stat = ProcFs.readKernelFile(dir.resolve("stat"));
            long start = startTicks(stat);
            String comm = ProcFs.readKernelFile(dir.resolve("comm")).strip();
            List<String> cmdline = splitNul(Files.readAllBytes(dir.resolve("cmdline")));
            String cgroup = ProcFs.readKernelFile(dir.resolve("cgroup"));
            return Optional.of(new ProcessInfo(pid, start, comm, cmdline, containerId(cgroup)));
        } catch (IOException | IllegalArgumentException e) {
            // Gone between the listing and now (ENOENT, ESRCH), or a zombie with half its files: not an error.
            return Optional.empty();
        }
    }

    // Field 2 (comm) is in parentheses and may hold spaces or ')': count fields after the last ')'.
    static long startTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("no ')' in stat line");
        }
        String[] rest = stat.substring(close + 2).split(" ");
        // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
        if (rest.length < 20) {
            throw new IllegalArgumentException("stat line has " + (rest.length + 2) + " fields, expected at least 22");
        }
        return Long.parseLong(rest[19]);
    }

    private static List<String> splitNul(byte[] raw) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                out.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
                from = i + 1;
            }
        }
        if (from < raw.length) {
            out.add(new String(raw, from, raw.length - from, StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * The container id in a {@code /proc/PID/cgroup} text: the last 64-hex-digit path element, bare
     * ({@code /docker/ID}, {@code /kubepods/.../ID}) or in a systemd scope ({@code docker-ID.scope},
     * {@code cri-containerd-ID.scope}, {@code crio-ID.scope}).
     *
     * @return the id, or empty when no line names one
     */
    public static String containerId(String cgroupText) {
        for (String line : cgroupText.split("\n")) {
            int colon = line.indexOf(':', line.indexOf(':') + 1);
            String path = colon < 0 ? line : line.substring(colon + 1);
            String[] parts = path.split("/");
            for (int i = parts.length - 1; i >= 0; i--) {
                String id = hexId(parts[i]);
                if (id != null) {
                    return id;
                }
            }
        }
        return "";
    }

    private static String hexId(String element) {
        String e = element.endsWith(".scope") ? element.substring(0, element.length() - ".scope".length()) : element;
        if (e.length() < 64) {
            return null;
        }
        String tail = e.substring(e.length() - 64);
        boolean prefixOk = e.length() == 64 || e.charAt(e.length() - 65) == '-';
        if (!prefixOk) {
            return null;
        }
        for (int i = 0; i < 64; i++) {
            char c = tail.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return tail;
    }
}
