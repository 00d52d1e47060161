package dev.hostkit.cgroups;

import java.nio.file.Path;

/**
 * A cgroup file whose content does not have the format the kernel writes: names the file and quotes the value.
 * Seen on a corrupt fixture or a kernel that changed a format; never thrown for a file that is merely missing.
 */
public final class CgroupParseException extends CgroupException {
    private static final long serialVersionUID = 1L;

    private final String value;

    /**
     * @param file the file that was read
     * @param value the text that would not parse
     * @param expected what the file should hold, e.g. {@code "a whole number"}
     */
    public CgroupParseException(Path file, String value, String expected) {
        super(file, null, "expected " + expected + ", found '" + value + "'", null);
        this.value = value;
    }

    /** The text that would not parse. */
    public String value() {
        return value;
    }
}
