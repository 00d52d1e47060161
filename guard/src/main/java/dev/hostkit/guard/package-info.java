/**
 * The macvlan guardian: puts containers' macvlan interfaces back, inside the same network namespace and as they were,
 * after their host parent disappears and returns (a NIC driver reload), instead of letting the orchestrator rebuild the
 * containers.
 *
 * <p>{@link dev.hostkit.guard.MacvlanGuardian} is the entry point. It finds namespaces through a
 * {@link dev.hostkit.guard.NamespaceSource}, keeps one {@link dev.hostkit.guard.InterfaceSnapshot} per
 * macvlan whose parent lives in the host namespace (current through each namespace's netlink events and a periodic full
 * pass), persists them as JSON in a private state directory, and reports what it does as
 * {@link dev.hostkit.guard.GuardEvent}s and {@link dev.hostkit.guard.GuardMetrics}.
 *
 * <p>Decisions are level-triggered: each look compares the snapshot with what is there now. Missing while the parent
 * came back (a new parent index): recreate. Missing while the parent never left: deleted on purpose, forget it. Present
 * under the same index: refresh the snapshot. Present under a new index with the same MAC, mode and parent: a repair that
 * stopped half way, finish it. Anything else under that name: a conflict, left alone. A namespace that is gone or was
 * replaced (nsfs identity or netns cookie changed) loses its snapshots and is never written into.
 */
package dev.hostkit.guard;
