package dev.hostkit.guard;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.util.Locale;
import java.util.Objects;

/**
 * One thing the guardian saw or did to one interface, as a structured record other tools can follow.
 * {@link #toJsonLine()} gives the daemon's one-line form with the keys event, netns, pid, interface, parent, millis, reason,
 * announced, at.
 *
 * @param type what happened
 * @param netnsInode the namespace inode
 * @param pid a process in the namespace, 0 when none is known
 * @param iface the interface name inside the namespace
 * @param parent the host parent's name
 * @param millis the repair's duration in milliseconds (fractions kept), 0 for other events
 * @param reason why (failures, conflicts, drops), empty otherwise
 * @param atMillis when it happened (epoch millis)
 * @param announced for {@code REPAIRED}: how many of the interface's addresses are announced (gratuitous ARP or
 *                  unsolicited NA, each as many times as configured); 0 otherwise
 */
public record GuardEvent(
        Type type,
        long netnsInode,
        int pid,
        String iface,
        String parent,
        double millis,
        String reason,
        long atMillis,
        int announced) {
    /** The kinds of events. */
    public enum Type {
        /** A new or changed interface was recorded. */
        SNAPSHOT,
        /** A guarded interface disappeared (its parent went away, or someone deleted it). */
        LOST,
        /** The interface was put back with its addresses and routes. */
        REPAIRED,
        /** A repair attempt failed; it is retried on the next trigger. */
        REPAIR_FAILED,
        /** The namespace is gone or was replaced: the snapshot was dropped and nothing is written there. */
        DROPPED,
        /** The name exists with another configuration: left alone. */
        CONFLICT,
        /** A VLAN parent was recreated on its lower device (interface = the VLAN, parent = the lower device). */
        PARENT_RECREATED,
        /** Recreating a VLAN parent failed; it is retried on the next pass. */
        PARENT_RECREATE_FAILED,
        /** The snapshot names the host's own network namespace: the guardian stops guarding it and never acts there. */
        REFUSED;

        /** The lower-case name used in JSON and metrics. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Validates the fields. */
    public GuardEvent {
        Objects.requireNonNull(type, "type");
        iface = iface == null ? "" : iface;
        parent = parent == null ? "" : parent;
        reason = reason == null ? "" : reason;
        if (announced < 0) {
            throw new IllegalArgumentException("announced must not be negative, was " + announced);
        }
    }

    /**
     * An event that announced nothing.
     *
     * @param type what happened
     * @param netnsInode the namespace inode
     * @param pid a process in the namespace, 0 when none is known
     * @param iface the interface name inside the namespace
     * @param parent the host parent's name
     * @param millis the repair's duration in milliseconds
     * @param reason why, empty when nothing to say
     * @param atMillis when it happened (epoch millis)
     */
    public GuardEvent(
            Type type,
            long netnsInode,
            int pid,
            String iface,
            String parent,
            double millis,
            String reason,
            long atMillis) {
        this(type, netnsInode, pid, iface, parent, millis, reason, atMillis, 0);
    }

    /** One line of JSON (no newline) with the keys event, netns, pid, interface, parent, millis, reason, announced, at. */
    public String toJsonLine() {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"event\":\"")
                .append(type.label())
                .append("\",\"netns\":")
                .append(netnsInode)
                .append(",\"pid\":")
                .append(pid)
                .append(",\"interface\":");
        quote(iface, b);
        b.append(",\"parent\":");
        quote(parent, b);
        b.append(",\"millis\":").append(Decimals.fixed(millis, 3)).append(",\"reason\":");
        quote(reason, b);
        b.append(",\"announced\":")
                .append(announced)
                .append(",\"at\":")
                .append(atMillis)
                .append('}');
        return b.toString();
    }

    private static void quote(String s, StringBuilder b) {
        b.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
    }
}
