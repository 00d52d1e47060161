package dev.hostkit.cgroups.internal;

import dev.hostkit.cgroups.CgroupException;
import dev.hostkit.cgroups.CgroupParseException;
import dev.hostkit.core.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Reads one small kernel file per call and knows each format once (single value, flat keyed, line list).
 * A missing file is {@code null}/empty; a vanished cgroup is {@link CgroupGone}; anything else is a
 * {@link CgroupException} naming the file. {@link #write} is the one way the module writes a kernel file.
 */
public final class KernelFiles {
    // One buffer per reading thread: cgroup files are small (memory.stat is ~2 KiB) and read by the thousand.
    private static final ThreadLocal<ByteBuffer> BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(64 * 1024));

    private KernelFiles() {}

    /**
     * The whole file as text, or {@code null} when it does not exist in a cgroup that still exists.
     *
     * @throws CgroupGone when the cgroup directory itself went away
     * @throws CgroupException for any other failure (permission denied, I/O error)
     */
    public static String read(Path dir, String name) {
        Path file = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = BUFFER.get();
            buf.clear();
            while (true) {
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                if (!buf.hasRemaining()) {
                    ByteBuffer bigger = ByteBuffer.allocateDirect(buf.capacity() * 2);
                    buf.flip();
                    bigger.put(buf);
                    buf = bigger;
                    BUFFER.set(buf);
                }
            }
            buf.flip();
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            return new String(bytes, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(dir)) {
                throw new CgroupGone(dir);
            }
            return null;
        } catch (AccessDeniedException e) {
            throw new CgroupException(file, Errno.EACCES, "", e);
        } catch (FileSystemException e) {
            throw failure(dir, file, e.getReason(), e);
        } catch (IOException e) {
            throw failure(dir, file, e.getMessage(), e);
        }
    }

    private static RuntimeException failure(Path dir, Path file, String reason, IOException e) {
        Errno errno = errnoFromReason(reason);
        // kernfs answers ENODEV for a file of a cgroup removed after open.
        if ((errno == Errno.ENODEV || errno == Errno.ENOENT) && !Files.isDirectory(dir)) {
            return new CgroupGone(dir);
        }
        return new CgroupException(file, errno, errno == null ? String.valueOf(reason) : "", e);
    }

    /** The errno behind an I/O exception from {@code java.nio.file} ({@code null} when it names none). */
    public static Errno errnoOf(IOException e) {
        return e instanceof NoSuchFileException
                ? Errno.ENOENT
                : e instanceof AccessDeniedException
                        ? Errno.EACCES
                        : e instanceof FileSystemException f
                                ? errnoFromReason(f.getReason())
                                : errnoFromReason(e.getMessage()); // e.g. a read of a directory: "Is a directory"
    }

    /** The errno whose C library message is {@code reason} (what Java puts in I/O exceptions), else {@code null}. */
    public static Errno errnoFromReason(String reason) {
        if (reason == null) {
            return null;
        }
        for (Errno e : Errno.values()) {
            if (e != Errno.UNKNOWN && reason.endsWith(e.message())) {
                return e;
            }
        }
        return null;
    }

    /**
     * Writes {@code value} to an existing kernel file in one {@code write(2)}: opened for writing only, never
     * created or truncated (a cgroup file takes the whole value or fails with an errno).
     *
     * @throws IOException as the kernel answered ({@link #errnoFromReason} names it)
     */
    public static void write(Path file, String value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    /** A single number file; {@code max} (v2) reads as {@link Long#MAX_VALUE}; empty when missing. */
    public static OptionalLong readLong(Path dir, String name) {
        String s = read(dir, name);
        return s == null ? OptionalLong.empty() : OptionalLong.of(parseLong(dir.resolve(name), s.strip()));
    }

    /** Parses one number as the kernel prints it ({@code max} is no limit). */
    public static long parseLong(Path file, String s) {
        if (s.equals("max")) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            // Unsigned 64-bit values above LONG_MAX (never seen for sizes, but a counter may wrap) clamp.
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
                return Long.MAX_VALUE;
            }
            throw new CgroupParseException(file, s, "a whole number");
        }
    }

    /** A flat-keyed file ({@code key value} per line, e.g. memory.stat); {@code null} when missing. Keeps order and every key. */
    public static Map<String, Long> readKeyed(Path dir, String name) {
        String s = read(dir, name);
        return s == null ? null : parseKeyed(dir.resolve(name), s);
    }

    /** Parses {@code key value} lines, keeping every key in file order. */
    public static Map<String, Long> parseKeyed(Path file, String s) {
        Map<String, Long> m = new LinkedHashMap<>(128);
        int i = 0;
        int n = s.length();
        while (i < n) {
            int eol = s.indexOf('\n', i);
            if (eol < 0) {
                eol = n;
            }
            if (eol > i) {
                int sp = s.indexOf(' ', i);
                if (sp < 0 || sp >= eol) {
                    throw new CgroupParseException(file, s.substring(i, eol), "'key value' lines");
                }
                m.put(
                        s.substring(i, sp),
                        parseLong(file, s.substring(sp + 1, eol).strip()));
            }
            i = eol + 1;
        }
        return m;
    }

    /** How many non-empty lines a file has (tasks, cgroup.procs); empty when missing. */
    public static OptionalLong countLines(Path dir, String name) {
        String s = read(dir, name);
        if (s == null) {
            return OptionalLong.empty();
        }
        long lines = 0;
        boolean content = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                if (content) {
                    lines++;
                }
                content = false;
            } else {
                content = true;
            }
        }
        return OptionalLong.of(content ? lines + 1 : lines);
    }
}
