package com.example.agent;

import dev.hostkit.core.Errno;
import dev.hostkit.core.KernelVersion;
import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;

import java.nio.file.Path;

/** A tiny downstream agent: uses hostkit-core through the BOM with no other configuration. */
public final class Agent {
    private Agent() {
    }

    /** Describes the kernel and whether a named namespace can be opened. */
    public static String describe(String namespace) {
        KernelVersion kernel = KernelVersion.current();
        try (NetNamespace ns = NetNamespace.open(Path.of("/var/run/netns", namespace))) {
            return "kernel " + kernel + ", namespace " + ns.id();
        } catch (NativeException e) {
            return "kernel " + kernel + ", " + (e.errno() == Errno.ENOENT ? "no namespace " + namespace : e.getMessage());
        }
    }

    public static void main(String[] args) {
        System.out.println(describe(args.length > 0 ? args[0] : "hk-consumer-none"));
    }
}
