package dev.hostkit.core;

import dev.hostkit.core.internal.bpf.SocketFileIterators;

/** Run in a child JVM by {@link SocketOwnersPidNamespaceIT}: prints what read the owners, and why not BPF. */
public final class PidNamespaceProbe {
    private PidNamespaceProbe() {}

    public static void main(String[] args) {
        SocketOwners owners = SocketOwners.scan();
        System.out.println(owners.reader() + " " + ProcessHandle.current().pid() + " "
                + SocketFileIterators.unavailableReason().orElse(""));
    }
}
