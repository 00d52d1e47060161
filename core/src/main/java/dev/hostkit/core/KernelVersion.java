package dev.hostkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux kernel release such as {@code 3.10.0-1160.el7.x86_64} or {@code 6.6.8}, ordered by
 * (major, minor, patch). The full release string is kept for distribution-specific rules.
 *
 * @param major e.g. 3
 * @param minor e.g. 10
 * @param patch e.g. 0 (0 when the release has none)
 * @param release the whole release string as the kernel reports it
 */
public record KernelVersion(int major, int minor, int patch, String release) implements Comparable<KernelVersion> {
    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*", Pattern.DOTALL);

    /**
     * Parses a release string.
     *
     * @throws IllegalArgumentException naming the string when it does not start with {@code MAJOR.MINOR}
     */
    public static KernelVersion parse(String release) {
        String r = release.strip();
        Matcher m = RELEASE.matcher(r);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a kernel release: '" + r + "'");
        }
        int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), patch, r);
    }

    /** The running kernel ({@code /proc/sys/kernel/osrelease}). */
    public static KernelVersion current() {
        return ProcFs.system().kernelVersion();
    }

    /** Reads a release from a file such as {@code /proc/sys/kernel/osrelease} under a fixture root. */
    static KernelVersion read(Path osrelease) {
        try {
            return parse(ProcFs.readKernelFile(osrelease));
        } catch (IOException e) {
            throw new UncheckedIOException("read kernel release " + osrelease, e);
        }
    }

    /** True when this kernel is at least {@code major.minor.patch}. */
    public boolean atLeast(int major, int minor, int patch) {
        return compareTo(new KernelVersion(major, minor, patch, "")) >= 0;
    }

    /** True when this kernel is at least {@code major.minor}. */
    public boolean atLeast(int major, int minor) {
        return atLeast(major, minor, 0);
    }

    @Override
    public int compareTo(KernelVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return release.isEmpty() ? major + "." + minor + "." + patch : release;
    }
}
