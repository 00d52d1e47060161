package dev.hostkit.guard;

import dev.hostkit.netlink.LinkKind;
import dev.hostkit.netlink.MacAddress;
import dev.hostkit.netlink.MacvlanMode;

import java.util.Objects;

/**
 * What the host shows, at one look, for one snapshot's interface: the namespace's status, the link now carrying the
 * interface's name there, and the parent in the host. A plain value, so {@link Verdicts#judge} is a pure function.
 *
 * @param namespace whether the namespace is still the one the snapshot was taken in, or could not be looked at
 * @param link the link by the snapshot's name in the namespace, {@code null} when there is none (or the namespace
 *             could not be read)
 * @param parent the host link with the parent's name now
 * @param downSeenBefore whether the previous look already found this link down while the snapshot says up
 */
public record Observation(NamespaceStatus namespace, LiveLink link, Parent parent, boolean downSeenBefore) {
    /** Validates the fields. */
    public Observation {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(parent, "parent");
    }

    /** Whether the snapshot's namespace is still the one it was taken in, as proven by a successful read. */
    public enum NamespaceStatus {
        /** Same identity (device, inode, and cookie when known), read successfully now. */
        SAME,
        /** A complete look found nothing by that identity: no process or name refers to it any more. */
        GONE,
        /** Its identity now reads with another netns cookie: the inode was reused by a new namespace. */
        REPLACED,
        /** Looking failed (permission, a transient /proc error): nothing is known, nothing may be forgotten. */
        UNKNOWN
    }

    /**
     * The link now carrying the snapshot's name inside the namespace.
     *
     * @param ifindex its index
     * @param mac its MAC, {@code null} when it has none
     * @param kind its kind as the kernel names it ({@code macvlan}, {@code veth}, ...; empty when none)
     * @param mode its macvlan mode, {@code null} when it is not a macvlan
     * @param up administratively up
     * @param hostParent the name of its parent in the host namespace, {@code null} when it has none there or the
     *                   parent index no longer resolves (the parent is being torn down)
     * @param settings its macvlan or ipvlan kind with mode (and flag), {@code null} when it is neither
     */
    public record LiveLink(
            int ifindex,
            MacAddress mac,
            String kind,
            MacvlanMode mode,
            boolean up,
            String hostParent,
            LinkKind settings) {
        /** Validates the kind and fills the settings of a macvlan given by its mode alone. */
        public LiveLink {
            kind = kind == null ? "" : kind;
            if (settings == null && mode != null) {
                settings = new LinkKind.Macvlan(mode);
            }
            if (settings != null && !(settings instanceof LinkKind.Macvlan) && !(settings instanceof LinkKind.Ipvlan)) {
                throw new IllegalArgumentException(
                        "settings are a macvlan's or an ipvlan's, not " + settings.kindName());
            }
        }

        /**
         * A link by its macvlan mode ({@code null}: neither macvlan nor ipvlan).
         *
         * @param ifindex its index
         * @param mac its MAC
         * @param kind its kind name
         * @param mode its macvlan mode or null
         * @param up administratively up
         * @param hostParent its host parent's name or null
         */
        public LiveLink(int ifindex, MacAddress mac, String kind, MacvlanMode mode, boolean up, String hostParent) {
            this(ifindex, mac, kind, mode, up, hostParent, null);
        }
    }

    /** The host link with the parent's name, as one successful dump shows it, or why it is not known. */
    public sealed interface Parent {
        /** Present at {@code index}. @param index its ifindex now */
        record At(int index) implements Parent {
            /** Validates the index. */
            public At {
                if (index <= 0) {
                    throw new IllegalArgumentException("parent index must be positive, was " + index);
                }
            }
        }

        /** No host link has the name. */
        record Absent() implements Parent {}

        /** The host's links could not be read. @param why what failed */
        record Unknown(String why) implements Parent {}

        /** The parent by the index a successful host dump gives for its name: {@code null} (no such name) is absent. @param index the index or null @return the parent */
        static Parent ofIndex(Integer index) {
            return index == null || index <= 0 ? new Absent() : new At(index);
        }
    }
}
