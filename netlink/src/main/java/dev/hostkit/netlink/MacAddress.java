package dev.hostkit.netlink;

import java.util.HexFormat;

/**
 * A 48-bit Ethernet (MAC) address held in a long.
 * Immutable; {@link #parse} accepts only six colon-separated two-digit hex groups.
 *
 * @param value the address in the low 48 bits, first octet most significant
 */
public record MacAddress(long value) {
    /** @throws IllegalArgumentException when more than 48 bits are set */
    public MacAddress {
        if ((value & ~0xFFFF_FFFF_FFFFL) != 0) {
            throw new IllegalArgumentException("a MAC address has 48 bits, got 0x" + Long.toHexString(value));
        }
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (case-insensitive).
     *
     * @param text the address
     * @return the address
     * @throws IllegalArgumentException naming the text when it is not a MAC address
     */
    public static MacAddress parse(String text) {
        if (text == null || text.length() != 17) {
            throw new IllegalArgumentException(
                    "malformed MAC address '" + text + "': expected six hex pairs like 02:00:00:00:00:01");
        }
        long v = 0;
        for (int i = 0; i < 6; i++) {
            int at = i * 3;
            if (i < 5 && text.charAt(at + 2) != ':') {
                throw new IllegalArgumentException(
                        "malformed MAC address '" + text + "': expected ':' at position " + (at + 2));
            }
            int hi = Character.digit(text.charAt(at), 16);
            int lo = Character.digit(text.charAt(at + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException(
                        "malformed MAC address '" + text + "': '" + text.substring(at, at + 2) + "' is not hex");
            }
            v = (v << 8) | (hi << 4) | lo;
        }
        return new MacAddress(v);
    }

    /**
     * The address of six bytes.
     *
     * @param bytes exactly six bytes
     * @return the address
     */
    public static MacAddress of(byte[] bytes) {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
        }
        long v = 0;
        for (byte b : bytes) {
            v = (v << 8) | (b & 0xFF);
        }
        return new MacAddress(v);
    }

    /** The six bytes, first octet first. */
    public byte[] bytes() {
        byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) (value >>> (40 - 8 * i));
        }
        return out;
    }

    /** Whether the locally-administered bit is set (addresses made up by software). */
    public boolean isLocallyAdministered() {
        return (value & 0x0200_0000_0000L) != 0;
    }

    /** Whether the group bit (the first octet's lowest) is set: a multicast address, the broadcast address included. */
    public boolean isMulticast() {
        return (value & 0x0100_0000_0000L) != 0;
    }

    /** Whether this is {@code ff:ff:ff:ff:ff:ff}. */
    public boolean isBroadcast() {
        return value == 0xFFFF_FFFF_FFFFL;
    }

    /** Whether this is {@code 00:00:00:00:00:00}, which the kernel refuses as a device address. */
    public boolean isZero() {
        return value == 0;
    }

    /** Lower-case {@code aa:bb:cc:dd:ee:ff}, as {@code ip} prints it. */
    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes());
    }
}
