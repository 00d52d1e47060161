package dev.hostkit.guard;

/**
 * What a snapshot's interface is now, as {@link Verdicts#judge} decides it from an {@link Observation}. One verdict
 * for both readers: the guardian acts on it, the doctor reports it.
 */
public enum Verdict {
    /** The link is the snapshot's link (same index): the guardian takes its settings, addresses and routes again. */
    PRESENT,
    /**
     * The snapshot's link, looking half torn down (set down, or its parent no longer resolves) or a recreated link
     * whose parent is being torn down: keep the snapshot unchanged and look again.
     */
    SETTLING,
    /** A link recreated earlier (new index, same MAC, mode and parent) that may lack addresses or routes: finish it. */
    RECREATED,
    /** Missing, and so is its parent: nothing can be done until the parent returns. */
    WAITING_FOR_PARENT,
    /** Missing while its parent came back (a new parent index): recreate it. */
    LOST,
    /**
     * Missing while its parent kept its index (proven by a successful read): someone deleted it on purpose (a CNI
     * {@code DEL}, an operator); the guardian forgets it rather than fight them.
     */
    DELETED_ON_PURPOSE,
    /** Another link has the name (another kind, MAC, mode or parent): reported and left alone. */
    CONFLICT,
    /** No process or name refers to the namespace any more: the snapshot is forgotten. */
    NAMESPACE_GONE,
    /** The namespace's inode now belongs to a new namespace (another cookie): the snapshot is forgotten. */
    NAMESPACE_REPLACED,
    /** Looking failed somewhere: keep the snapshot and its state file, retry at the next pass. */
    UNKNOWN;

    /** Whether the snapshot may be forgotten: only on positive evidence, proven by a successful read. */
    public boolean forgets() {
        return this == NAMESPACE_GONE || this == NAMESPACE_REPLACED || this == DELETED_ON_PURPOSE;
    }

    /** Whether the namespace was seen alive (the interface's own status is then known). */
    public boolean namespaceAlive() {
        return this != NAMESPACE_GONE && this != NAMESPACE_REPLACED && this != UNKNOWN;
    }
}
