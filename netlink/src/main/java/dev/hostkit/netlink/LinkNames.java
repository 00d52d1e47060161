package dev.hostkit.netlink;

import java.nio.charset.StandardCharsets;

/**
 * The kernel's rules for interface names ({@code dev_valid_name}), checked before a request is sent.
 * Stateless.
 */
public final class LinkNames {
    /** {@code IFNAMSIZ - 1}: the longest name in bytes. */
    public static final int MAX_BYTES = 15;

    private LinkNames() {}

    /**
     * Checks {@code name} and returns it.
     *
     * @param name the proposed interface name
     * @return the name
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String check(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("interface name is empty");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "interface name '" + name + "' is " + bytes + " bytes, at most " + MAX_BYTES + " allowed");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name '" + name + "' is reserved");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || c == 0 || Character.isWhitespace(c)) {
                throw new IllegalArgumentException("interface name '" + name + "' contains "
                        + (Character.isWhitespace(c) || c == 0 ? "whitespace" : "'" + c + "'")
                        + ", which the kernel refuses");
            }
        }
        return name;
    }
}
