package dev.hostkit.testkit;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique names for what a test creates: {@code hk} + a per-JVM tag + a counter, at most 15 bytes (the
 * kernel's interface-name limit). The tag lets the leak check tell this run's objects from anyone else's.
 *
 * <pre>{@code
 * String mv = TestNames.next("mv");            // e.g. hkx7qmv12
 * Sh.run("ip", "link", "add", mv, "link", parent.hostName(), "type", "macvlan");
 * assertThat(TestNames.ours(mv)).isTrue();     // the @HostTest leak check removes and reports it if left behind
 * }</pre>
 */
public final class TestNames {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    /**
     * {@code hk} plus three random characters, shared by everything this JVM creates. Never {@code hkt…}: that
     * prefix is the library's temporary link names, which tests look for to prove none is left behind (a run
     * tagged {@code t…} once made such a check see the test's own parent).
     */
    public static final String RUN_PREFIX = "hk" + randomTag(3);

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestNames() {}

    static String randomTag(int n) {
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder(n);
        while (b.length() < n) {
            char c = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
            if (b.length() > 0 || c != 't') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * A fresh name such as {@code hkx7qv12} for {@code role = "v"}: {@link #RUN_PREFIX}, the role cut to
     * fit, then a counter. Always 15 bytes or fewer.
     *
     * @param role a short word saying what the name is for (e.g. {@code ns}, {@code veth})
     * @return a name unique within this JVM
     */
    public static String next(String role) {
        String n = Integer.toString(COUNTER.incrementAndGet(), 36);
        int room = 15 - RUN_PREFIX.length() - n.length();
        String r = role.length() > room ? role.substring(0, Math.max(room, 0)) : role;
        return RUN_PREFIX + r + n;
    }

    /** True when {@code name} was made by this JVM's {@link #next}. */
    public static boolean ours(String name) {
        return name.startsWith(RUN_PREFIX);
    }
}
