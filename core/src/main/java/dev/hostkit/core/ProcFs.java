package dev.hostkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Small, tolerant readers of {@code /proc} shared by the modules. Every reader works under a root
 * ({@code /} on a live host, a fixture directory in tests) so the same code runs on both.
 */
public final class ProcFs {
    private static final ProcFs SYSTEM = new ProcFs(Path.of("/"));

    private final Path root;
    private final Path proc;

    private ProcFs(Path root) {
        this.root = root;
        this.proc = root.resolve("proc");
    }

    /** The live host's {@code /proc}. */
    public static ProcFs system() {
        return SYSTEM;
    }

    /** A tree laid out like a host below {@code root} (files at {@code root/proc/...}). */
    public static ProcFs at(Path root) {
        return new ProcFs(root);
    }

    /** The root this reader resolves {@code proc/...} against. */
    public Path root() {
        return root;
    }

    /** {@code root/proc}. */
    public Path proc() {
        return proc;
    }

    /** How many fds this process has open (the entries of {@code /proc/self/fd}, less the one used to list them). */
    public static int openFdCount() {
        Path fdDir = Path.of("/proc/self/fd");
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(fdDir)) {
            for (Path ignored : entries) {
                n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + fdDir, e);
        }
        return n - 1;
    }

    /** The running kernel's release, from {@code proc/sys/kernel/osrelease}. */
    public KernelVersion kernelVersion() {
        return KernelVersion.read(proc.resolve("sys/kernel/osrelease"));
    }

    /** The mounts seen by this process ({@code proc/self/mountinfo}). */
    public List<MountInfo> mountInfo() {
        return mountInfo(proc.resolve("self/mountinfo"));
    }

    /** The mounts seen by process {@code pid}. */
    public List<MountInfo> mountInfo(int pid) {
        return mountInfo(proc.resolve(Integer.toString(pid)).resolve("mountinfo"));
    }

    private static List<MountInfo> mountInfo(Path file) {
        List<MountInfo> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    mounts.add(MountInfo.parse(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
        return mounts;
    }

    /**
     * The kernel command line ({@code proc/cmdline}); empty when the file does not exist (a fixture tree
     * without one). A file that exists but cannot be read is an error, never an empty command line: a
     * missed {@code cgroup.memory=nokmem} would change verdicts.
     *
     * @throws UncheckedIOException naming the file when it cannot be read (EACCES, EIO, ...)
     */
    public String cmdline() {
        Path file = proc.resolve("cmdline");
        try {
            return readKernelFile(file).strip();
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
    }

    /**
     * Reads a small kernel file whole. {@code Files.readString} is wrong for {@code /proc/sys}: it sees
     * size 0, reads one byte first, and the kernel's sysctl handler answers the read at offset 1 with
     * end-of-file, so {@code file-nr} reads as "5". One large read gets the whole value.
     *
     * @param file the file
     * @return its content as UTF-8
     * @throws IOException when it cannot be read
     */
    public static String readKernelFile(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The pids currently listed in {@code proc}, in no particular order. */
    public List<Integer> pids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!name.isEmpty()
                        && Character.isDigit(name.charAt(0))
                        && name.chars().allMatch(Character::isDigit)) {
                    pids.add(Integer.parseInt(name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list " + proc, e);
        }
        return pids;
    }

    /**
     * A whole-number file such as {@code proc/sys/fs/file-nr}'s first field, or empty when the file
     * is missing (a kernel that lacks it) or does not hold a number.
     *
     * @throws UncheckedIOException naming the file when it exists but cannot be read
     */
    public OptionalLong readLong(String relative) {
        Path file = proc.resolve(relative);
        String s;
        try {
            s = readKernelFile(file).strip();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
        int space = s.indexOf(' ');
        if (space < 0) {
            space = s.indexOf('\t');
        }
        try {
            return OptionalLong.of(Long.parseLong(space < 0 ? s : s.substring(0, space)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
