package dev.hostkit.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP address with a prefix length, parsed from literal text only (never a DNS lookup).
 * Immutable; the prefix is within the family's range.
 *
 * @param address the address
 * @param prefixLength the prefix length
 */
public record Cidr(InetAddress address, int prefixLength) {
    /**
     * Parses {@code 10.0.0.0/8} or {@code fd00::/64}; a bare address gets the full-length prefix.
     *
     * @param text the literal
     * @return the value
     * @throws IllegalArgumentException naming the text when it is not an address literal
     */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty address");
        }
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        InetAddress a = literal(addr, text);
        int max = a instanceof Inet4Address ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed prefix length in '" + text + "'");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix length in '" + text + "' must be in 0.." + max);
            }
        }
        return new Cidr(a, prefix);
    }

    /**
     * Parses an address literal without any name lookup.
     *
     * @param text e.g. {@code 10.0.0.1} or {@code fe80::1}
     * @return the address
     * @throws IllegalArgumentException when it is not a literal
     */
    public static InetAddress address(String text) {
        return literal(text, text);
    }

    private static InetAddress literal(String addr, String whole) {
        boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = addr.indexOf(':') >= 0 && addr.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("not an IP address literal: '" + whole + "'");
        }
        try {
            if (v4) {
                String[] parts = addr.split("\\.");
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(parts[i]);
                    if (octet > 255) {
                        throw new IllegalArgumentException(
                                "not an IP address literal: '" + whole + "' (octet " + octet + ")");
                    }
                    b[i] = (byte) octet;
                }
                return InetAddress.getByAddress(b);
            }
            return InetAddress.getByName(addr); // contains ':' so it is parsed as an IPv6 literal, never resolved
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address literal: '" + whole + "'", e);
        }
    }

    /**
     * The text form {@code ip} prints: dotted IPv4, or IPv6 compressed as RFC 5952 says
     * ({@code fd00::1}, not Java's {@code fd00:0:0:0:0:0:0:1}).
     *
     * @param a the address
     * @return its canonical text
     */
    public static String text(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // The longest run of two or more zero groups (the first on a tie) becomes "::".
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text(address) + "/" + prefixLength;
    }
}
