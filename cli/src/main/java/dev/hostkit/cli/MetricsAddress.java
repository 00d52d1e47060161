package dev.hostkit.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code hostkit guard --metrics-address} listens: an IP literal and a port. Loopback unless all interfaces are
 * asked for by name ({@code 0.0.0.0:PORT}, {@code [::]:PORT}); never resolved through DNS (a daemon at boot must not
 * wait on a resolver, and a name could mean a different interface tomorrow).
 *
 * <p>Forms: {@code PORT} and {@code :PORT} mean {@code 127.0.0.1:PORT}; {@code localhost:PORT} too; {@code A.B.C.D:PORT};
 * {@code [IPv6]:PORT}. The port is 1..65535.
 *
 * @param host the address to bind
 * @param port the TCP port
 */
record MetricsAddress(InetAddress host, int port) {
    private static final Pattern HOST_PORT = Pattern.compile("(?:(\\[[^\\]]*\\]|[^:\\[\\]]*):)?([^:]*)");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    /**
     * Parses the option's value.
     *
     * @throws IllegalArgumentException with a one-line reason naming the value
     */
    static MetricsAddress parse(String text) {
        Matcher m = HOST_PORT.matcher(text);
        if (text.isEmpty() || !m.matches()) {
            throw new IllegalArgumentException(bad(text, "expected HOST:PORT, :PORT or [IPv6]:PORT"));
        }
        String host = m.group(1);
        return new MetricsAddress(
                host == null || host.isEmpty() ? loopback() : host(text, host), port(text, m.group(2)));
    }

    /** The socket address to bind. */
    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** Whether this listens on every interface (the wildcard address), reachable from other hosts. */
    boolean allInterfaces() {
        return host.isAnyLocalAddress();
    }

    /** {@code 127.0.0.1:9464}, {@code [::1]:9464}. */
    @Override
    public String toString() {
        String h = host.getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    private static InetAddress host(String text, String host) {
        if (host.equals("localhost")) {
            return loopback();
        }
        boolean bracketed = host.startsWith("[");
        String literal = bracketed ? host.substring(1, host.length() - 1) : host;
        Matcher v4 = IPV4.matcher(literal);
        boolean ipv4 = !bracketed && v4.matches() && octets(v4);
        boolean ipv6 = bracketed && IPV6.matcher(literal).matches() && literal.contains(":");
        if (!ipv4 && !ipv6) {
            throw new IllegalArgumentException(bad(
                    text,
                    bracketed
                            ? "[" + literal + "] is not an IPv6 address"
                            : "'" + host + "' is not an IPv4 address; give an IP address (names are not resolved)"
                                    + " and an IPv6 address in brackets"));
        }
        try {
            return InetAddress.getByName(literal); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(bad(text, literal + " is not an IP address"), e);
        }
    }

    private static boolean octets(Matcher v4) {
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(v4.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    private static int port(String text, String port) {
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65_535) {
            throw new IllegalArgumentException(bad(text, "the port must be a number in 1..65535"));
        }
        return Integer.parseInt(port);
    }

    private static InetAddress loopback() {
        return InetAddress.getLoopbackAddress(); // 127.0.0.1 unless the JVM prefers IPv6 addresses
    }

    private static String bad(String text, String why) {
        return "'" + text + "': " + why;
    }
}
