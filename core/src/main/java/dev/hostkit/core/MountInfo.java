package dev.hostkit.core;

import java.util.List;

/**
 * One line of {@code /proc/PID/mountinfo} (proc(5)), with octal escapes such as {@code \040} decoded.
 *
 * @param mountId unique id of the mount
 * @param parentId id of the parent mount
 * @param device {@code major:minor} of the filesystem
 * @param root the directory of the filesystem that forms this mount's root
 * @param mountPoint where it is mounted, relative to the process's root
 * @param mountOptions per-mount options
 * @param optionalFields tagged fields such as {@code shared:1}
 * @param fsType filesystem type, e.g. {@code cgroup} or {@code cgroup2}
 * @param source the mount source
 * @param superOptions per-superblock options, e.g. {@code rw,memory} for a memory cgroup v1 mount
 */
public record MountInfo(
        int mountId,
        int parentId,
        String device,
        String root,
        String mountPoint,
        String mountOptions,
        List<String> optionalFields,
        String fsType,
        String source,
        String superOptions) {

    /** True when {@code option} is one of the comma-separated super options (e.g. {@code memory}). */
    public boolean hasSuperOption(String option) {
        for (String o : superOptions.split(",")) {
            if (o.equals(option)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses one mountinfo line.
     *
     * @throws IllegalArgumentException quoting the line when it has too few fields or no separator
     */
    public static MountInfo parse(String line) {
        String[] f = line.split(" ");
        int sep = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                sep = i;
                break;
            }
        }
        if (f.length < 10 || sep < 0 || f.length < sep + 4) {
            throw new IllegalArgumentException("malformed mountinfo line: '" + line + "'");
        }
        try {
            return new MountInfo(
                    Integer.parseInt(f[0]),
                    Integer.parseInt(f[1]),
                    f[2],
                    unescape(f[3]),
                    unescape(f[4]),
                    f[5],
                    List.of(f).subList(6, sep),
                    f[sep + 1],
                    unescape(f[sep + 2]),
                    f[sep + 3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed mountinfo line: '" + line + "'", e);
        }
    }

    // The kernel escapes space, tab, newline and backslash as \ooo.
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
