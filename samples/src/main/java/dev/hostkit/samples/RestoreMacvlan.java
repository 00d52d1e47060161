package dev.hostkit.samples;

import dev.hostkit.guard.GuardMetrics;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Incident 1: a NIC driver reload deleted the macvlans' parent, and the kernel deleted every container's macvlan with
 * it. This program guards the macvlans on one parent and puts back what is missing (same name, MAC, addresses, routes).
 *
 * <p>{@code RestoreMacvlan STATE_DIR PARENT [NETNS_PATH...]}: the first run snapshots into STATE_DIR; a run after the
 * parent returns repairs from the snapshots. Without NETNS_PATHs it looks at every named and every process's namespace.
 */
public final class RestoreMacvlan {
    private RestoreMacvlan() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RestoreMacvlan STATE_DIR PARENT [NETNS_PATH...]");
            System.exit(64);
        }
        NamespaceSource namespaces = args.length > 2
                ? NamespaceSource.of(
                        Arrays.stream(args, 2, args.length).map(Path::of).toList())
                : NamespaceSource.hostDefault();
        try (MacvlanGuardian guardian = MacvlanGuardian.builder()
                .stateDir(Path.of(args[0])) // snapshots outlive this process: the parent may be gone now
                .parents(Set.of(args[1]))
                .namespaces(namespaces)
                .listener(e -> System.out.println(e.type() + " " + e.iface() + " on " + e.parent() + " in net:["
                        + e.netnsInode() + "]" + (e.reason().isEmpty() ? "" : ": " + e.reason())))
                .build()) {
            guardian.stateProblems().forEach(p -> System.err.println("state file skipped: " + p));
            guardian.start(); // a returning parent now triggers its repairs at once
            guardian.reconcileOnce(); // and one full pass now: snapshot new, repair missing
            GuardMetrics m = guardian.metrics();
            System.out.println(m.interfacesGuarded() + " guarded, " + m.interfacesMissing() + " missing, "
                    + m.repairsOk() + " repaired, " + m.repairsFailed() + " failed");
        } // close(): threads stopped, state flushed, sockets closed
    }
}
