package dev.hostkit.testkit;

import dev.hostkit.core.NetNamespace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A throwaway named network namespace ({@code ip netns add hk...}), deleted by {@link #close()}
 * together with every link inside it. Loopback is brought up so local traffic works.
 *
 * <pre>{@code
 * try (TestNetns ns = TestNetns.create()) {
 *     ns.exec("ip", "link", "add", "hkd0", "type", "veth", "peer", "name", "hkd1");
 *     try (NetNamespace handle = ns.open()) { ... }
 * }
 * }</pre>
 */
public final class TestNetns implements AutoCloseable {
    private final String name;
    private boolean closed;

    private TestNetns(String name) {
        this.name = name;
    }

    /** Creates a namespace with a fresh {@link TestNames} name. Needs root and {@code ip}. */
    public static TestNetns create() {
        Prerequisites.requireRoot();
        Prerequisites.requireCommand("ip");
        String name = TestNames.next("ns");
        Sh.run("ip", "netns", "add", name);
        TestNetns ns = new TestNetns(name);
        try {
            ns.exec("ip", "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** The name given to {@code ip netns}. */
    public String name() {
        return name;
    }

    /** {@code /var/run/netns/NAME}. */
    public Path path() {
        return NetNamespace.NAMED_DIR.resolve(name);
    }

    /** Opens a hostkit handle on this namespace; the caller closes it. */
    public NetNamespace open() {
        return NetNamespace.open(path());
    }

    /**
     * Runs a command inside the namespace ({@code ip netns exec NAME ...}) and returns its output.
     *
     * @param command program and arguments
     * @return standard output; a non-zero exit throws with stderr
     */
    public String exec(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(Arrays.asList(command));
        return Sh.run(full.toArray(String[]::new));
    }

    /** Deletes the namespace (and so every link in it). Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Sh.exec("ip", "netns", "del", name);
        }
    }

    @Override
    public String toString() {
        return "TestNetns[" + name + "]";
    }
}
