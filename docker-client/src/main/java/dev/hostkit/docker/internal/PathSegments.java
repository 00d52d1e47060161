package dev.hostkit.docker.internal;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Validates and percent-encodes ids and names before they go into a request path, so a value such
 * as {@code ../../images} can never reach another endpoint.
 */
public final class PathSegments {
    // Container/exec ids and names: what the engine itself accepts (names may carry a leading '/').
    private static final Pattern OBJECT = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}");
    // Image references: repository[:tag][@digest] with registry host and path components.
    private static final Pattern IMAGE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.:/@+-]{0,511}");

    private PathSegments() {}

    /**
     * A container, exec or network id or name, checked and encoded as one path segment.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static String object(String kind, String value) {
        if (value == null || !OBJECT.matcher(value).matches()) {
            throw new IllegalArgumentException("not a valid " + kind + " id or name: " + quote(value));
        }
        return encode(value.startsWith("/") ? value.substring(1) : value);
    }

    /**
     * An image reference; '/' is kept (the engine routes image names with slashes), but no segment may
     * be empty, '.' or '..'.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static String image(String value) {
        if (value == null || !IMAGE.matcher(value).matches()) {
            throw new IllegalArgumentException("not a valid image reference: " + quote(value));
        }
        StringBuilder sb = new StringBuilder();
        for (String seg : value.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("not a valid image reference: " + quote(value));
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(encode(seg));
        }
        return sb.toString();
    }

    /** Percent-encodes everything except RFC 3986 unreserved characters. */
    public static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                sb.append(c);
            } else {
                sb.append('%')
                        .append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static String quote(String v) {
        return v == null ? "null" : '"' + v.replaceAll("\\p{Cntrl}", "?") + '"';
    }
}
