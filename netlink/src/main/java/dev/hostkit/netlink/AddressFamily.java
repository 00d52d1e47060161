package dev.hostkit.netlink;

import dev.hostkit.core.internal.LibC;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The IP address family of an address or route: IPv4 ({@code AF_INET}) or IPv6 ({@code AF_INET6}).
 * Each constant carries the kernel's number and the address length, so user code never needs libc constants.
 */
public enum AddressFamily {
    /** IPv4, {@code AF_INET} (2), 4-byte addresses. */
    INET(LibC.AF_INET, 4),
    /** IPv6, {@code AF_INET6} (10), 16-byte addresses. */
    INET6(LibC.AF_INET6, 16);

    private final int number;
    private final int addressLength;

    AddressFamily(int number, int addressLength) {
        this.number = number;
        this.addressLength = addressLength;
    }

    /** The kernel's number ({@code AF_INET} 2, {@code AF_INET6} 10). */
    public int number() {
        return number;
    }

    /** The address length in bytes (4 or 16). */
    public int addressLength() {
        return addressLength;
    }

    /** The longest prefix (32 or 128). */
    public int maxPrefixLength() {
        return addressLength * 8;
    }

    /**
     * The family for a kernel number.
     *
     * @param number {@code AF_INET} or {@code AF_INET6}
     * @return the family
     * @throws IllegalArgumentException for any other number
     */
    public static AddressFamily of(int number) {
        if (number == LibC.AF_INET) {
            return INET;
        }
        if (number == LibC.AF_INET6) {
            return INET6;
        }
        throw new IllegalArgumentException("address family must be AF_INET (2) or AF_INET6 (10), was " + number);
    }

    /**
     * The family of an address.
     *
     * @param address an IPv4 or IPv6 address
     * @return its family
     */
    public static AddressFamily of(InetAddress address) {
        return address instanceof Inet4Address ? INET : INET6;
    }

    /** Whether {@code address} (may be null) belongs to this family; null does. */
    boolean holds(InetAddress address) {
        return address == null || of(address) == this;
    }

    /** The name {@code ip} uses: {@code inet} or {@code inet6}. */
    public String ipName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
