package dev.hostkit.netlink;

import dev.hostkit.core.NetNamespace;

import java.util.Objects;

/**
 * What kind of link a {@link Link} is ({@code IFLA_INFO_KIND} and its kind-specific data).
 * A closed family: macvlan, ipvlan, VLAN and veth are typed; every other kind is {@link Generic} with its kind string.
 */
public sealed interface LinkKind {
    /** The kernel's kind string, e.g. {@code macvlan}; empty for devices without one (loopback, NICs). */
    String kindName();

    /**
     * A macvlan link.
     *
     * @param mode the forwarding mode
     */
    record Macvlan(MacvlanMode mode) implements LinkKind {
        /** @throws NullPointerException when mode is null */
        public Macvlan {
            Objects.requireNonNull(mode, "mode");
        }

        @Override
        public String kindName() {
            return "macvlan";
        }
    }

    /**
     * An ipvlan link: it shares its parent's MAC, so it is told apart by name and mode, never by MAC.
     *
     * @param mode the forwarding mode
     * @param flag how slaves of the same parent reach each other
     */
    record Ipvlan(IpvlanMode mode, IpvlanFlag flag) implements LinkKind {
        /** @throws NullPointerException when mode or flag is null */
        public Ipvlan {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(flag, "flag");
        }

        @Override
        public String kindName() {
            return "ipvlan";
        }
    }

    /**
     * An 802.1Q or 802.1ad VLAN link.
     *
     * @param id the VLAN id, 1..4094
     * @param protocol the tag protocol
     */
    record Vlan(int id, VlanProtocol protocol) implements LinkKind {
        /** @throws IllegalArgumentException when the id is outside 1..4094 */
        public Vlan {
            if (id < 1 || id > 4094) {
                throw new IllegalArgumentException("VLAN id must be in 1..4094, was " + id);
            }
            Objects.requireNonNull(protocol, "protocol");
        }

        @Override
        public String kindName() {
            return "vlan";
        }
    }

    /**
     * A veth link. When creating, names the peer end and optionally the namespace it is created in;
     * when read back from the kernel both are {@code null} (the peer is {@link Link#parentIndex()}).
     *
     * @param peerName the peer's name, or {@code null}
     * @param peerNamespace where the peer is created, or {@code null} for beside this end
     */
    record Veth(String peerName, NetNamespace peerNamespace) implements LinkKind {
        @Override
        public String kindName() {
            return "veth";
        }
    }

    /**
     * Any other kind, by its kind string ({@code bridge}, {@code dummy}, ...); the empty string for
     * devices the kernel reports no kind for.
     *
     * @param kind the kernel's kind string
     */
    record Generic(String kind) implements LinkKind {
        /** The kind of devices without {@code IFLA_LINKINFO}. */
        public static final Generic NONE = new Generic("");

        /** @throws NullPointerException when kind is null */
        public Generic {
            Objects.requireNonNull(kind, "kind");
        }

        @Override
        public String kindName() {
            return kind;
        }
    }
}
