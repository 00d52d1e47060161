package dev.hostkit.core;

/**
 * Makes strings from untrusted sources (a container name, an engine's error message, a file read as root) safe to
 * print on a terminal or in a one-line log: the result contains no control character and no bidirectional override.
 */
public final class Printable {
    private Printable() {}

    /**
     * The string with every C0 control, DEL, C1 control and Unicode bidirectional control written out as an escape:
     * {@code \n}, {@code \r}, {@code \t}, {@code \x1b}, {@code \u202e}. Everything else, backslashes included, is
     * kept as it is, so ordinary text reads unchanged. A string that needs no escape is returned itself.
     *
     * @param s any string; {@code null} gives {@code "null"}
     * @return the printable form
     */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        int i = 0;
        while (i < s.length() && !needsEscape(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!needsEscape(c)) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c <= 0xff) {
                b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    /**
     * {@link #escape(String)}, cut to at most {@code max} characters of the original with {@code "..."} and the
     * original length appended when it was longer: for quoting a peer's text in an error message.
     *
     * @param s any string
     * @param max how many characters of {@code s} to keep (at least 1)
     * @return the printable, bounded form
     */
    public static String escape(String s, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        if (s == null || s.length() <= max) {
            return escape(s);
        }
        return escape(s.substring(0, max)) + "... (" + s.length() + " characters)";
    }

    /**
     * A multi-line text (a report) with each line escaped and its line breaks kept.
     *
     * @param text any text
     * @return the printable form, line by line
     */
    public static String escapeLines(String text) {
        String[] lines = text.split("\n", -1);
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < lines.length; i++) {
            b.append(i == 0 ? "" : "\n").append(escape(lines[i]));
        }
        return b.toString();
    }

    /**
     * Whether {@link #escape} writes {@code c} out: C0 controls, DEL, C1 controls, and the bidirectional embeddings,
     * overrides (U+202A..U+202E), isolates (U+2066..U+2069) and marks (U+200E, U+200F, U+061C), which reorder what a
     * terminal shows, and the Unicode line and paragraph separators (U+2028, U+2029), which can forge a line.
     *
     * @param c a UTF-16 code unit
     * @return true when it must not reach a terminal raw
     */
    public static boolean needsEscape(int c) {
        return c < 0x20
                || (c >= 0x7f && c <= 0x9f)
                || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069)
                || c == 0x200e
                || c == 0x200f
                || c == 0x061c
                || c == 0x2028
                || c == 0x2029;
    }
}
