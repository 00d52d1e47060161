package dev.hostkit.netlink;

/**
 * The scope of an address or route ({@code ifa_scope}, {@code rtm_scope}): how far it is valid.
 * A value type over the kernel's 0..255 number, with the named scopes as constants.
 *
 * @param value the kernel's number, 0..255
 */
public record Scope(int value) {
    /** Valid everywhere ({@code RT_SCOPE_UNIVERSE}). */
    public static final Scope UNIVERSE = new Scope(0);
    /** Valid inside the site (IPv6). */
    public static final Scope SITE = new Scope(200);
    /** Valid on the attached link. */
    public static final Scope LINK = new Scope(253);
    /** Valid on this host only. */
    public static final Scope HOST = new Scope(254);
    /** Nowhere. */
    public static final Scope NOWHERE = new Scope(255);

    /** @throws IllegalArgumentException outside 0..255 */
    public Scope {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("scope must be in 0..255, was " + value);
        }
    }

    /**
     * The scope for a kernel number, reusing the constants.
     *
     * @param value 0..255
     * @return the scope
     */
    public static Scope of(int value) {
        return switch (value) {
            case 0 -> UNIVERSE;
            case 200 -> SITE;
            case 253 -> LINK;
            case 254 -> HOST;
            case 255 -> NOWHERE;
            default -> new Scope(value);
        };
    }

    /** The name {@code ip} prints ({@code global}, {@code link}, {@code host}, ...) or the number. */
    public String ipName() {
        return switch (value) {
            case 0 -> "global";
            case 200 -> "site";
            case 253 -> "link";
            case 254 -> "host";
            case 255 -> "nowhere";
            default -> Integer.toString(value);
        };
    }

    @Override
    public String toString() {
        return ipName();
    }
}
