package dev.hostkit.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address on a link, as listed ({@code RTM_NEWADDR}) or to be added.
 * Immutable; build one with {@link #of(int, String)} and the {@code with*} methods.
 *
 * @param linkIndex the link's ifindex
 * @param address the local address ({@code IFA_LOCAL}, or {@code IFA_ADDRESS} where there is no local)
 * @param prefixLength the prefix length, 0..32 or 0..128
 * @param peer the peer of a point-to-point address ({@code IFA_ADDRESS} when it differs), or {@code null}
 * @param broadcast the IPv4 broadcast address, or {@code null}
 * @param scope the scope
 * @param flags {@code IFA_F_*} bits (see {@link AddressFlag})
 * @param label the IPv4 label ({@code IFA_LABEL}), or {@code null}
 */
public record Address(
        int linkIndex,
        InetAddress address,
        int prefixLength,
        InetAddress peer,
        InetAddress broadcast,
        Scope scope,
        int flags,
        String label) {
    /** @throws IllegalArgumentException for a prefix out of range, mixed families or a bad label */
    public Address {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(scope, "scope");
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException(
                    "prefix length of " + address.getHostAddress() + " must be in 0.." + max + ", was " + prefixLength);
        }
        if (peer != null && peer.getClass() != address.getClass()) {
            throw new IllegalArgumentException(
                    "peer " + peer.getHostAddress() + " is not of the family of " + address.getHostAddress());
        }
        if (broadcast != null && !(broadcast instanceof Inet4Address && address instanceof Inet4Address)) {
            throw new IllegalArgumentException("a broadcast address is IPv4 only");
        }
        if (label != null && (label.isEmpty() || label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 15)) {
            throw new IllegalArgumentException("address label must be 1..15 bytes, was '" + label + "'");
        }
    }

    /**
     * An address to add: {@code 10.1.2.3/24} or {@code fd00::1/64}, universe scope, no flags.
     *
     * @param linkIndex the link's ifindex
     * @param cidr address with prefix length
     * @return the address
     * @throws IllegalArgumentException naming the text when it does not parse
     */
    public static Address of(int linkIndex, String cidr) {
        if (linkIndex <= 0) {
            throw new IllegalArgumentException("link index must be positive, was " + linkIndex);
        }
        Cidr c = Cidr.parse(cidr);
        return new Address(linkIndex, c.address(), c.prefixLength(), null, null, Scope.UNIVERSE, 0, null);
    }

    /** This address with another scope. @param s the scope @return a copy */
    public Address withScope(Scope s) {
        return new Address(linkIndex, address, prefixLength, peer, broadcast, s, flags, label);
    }

    /** This address with these flags (replacing the others). @param f the flags @return a copy */
    public Address withFlags(AddressFlag... f) {
        return new Address(linkIndex, address, prefixLength, peer, broadcast, scope, AddressFlag.mask(f), label);
    }

    /** This address with a broadcast address. @param b IPv4 broadcast @return a copy */
    public Address withBroadcast(InetAddress b) {
        return new Address(linkIndex, address, prefixLength, peer, b, scope, flags, label);
    }

    /** This address with a point-to-point peer. @param p the peer @return a copy */
    public Address withPeer(InetAddress p) {
        return new Address(linkIndex, address, prefixLength, p, broadcast, scope, flags, label);
    }

    /** This address with an IPv4 label. @param l the label (1..15 bytes) @return a copy */
    public Address withLabel(String l) {
        return new Address(linkIndex, address, prefixLength, peer, broadcast, scope, flags, l);
    }

    /** IPv4 or IPv6. */
    public AddressFamily family() {
        return AddressFamily.of(address);
    }

    /** Whether {@code flag} is set. @param flag the flag @return true when set */
    public boolean has(AddressFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    /** {@code 10.1.2.3/24}. */
    public String cidr() {
        return Cidr.text(address) + "/" + prefixLength;
    }

    @Override
    public String toString() {
        return cidr() + " dev " + linkIndex + " scope " + scope + (label != null ? " label " + label : "");
    }
}
