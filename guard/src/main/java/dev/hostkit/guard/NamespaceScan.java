package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * A {@link NamespaceSource} whose look reports the entries it could not read; {@link #discover()} is the found part.
 * Package-private: the built-in sources are made through {@link NamespaceSource}'s factories.
 */
final class NamespaceScan implements NamespaceSource {
    /** The nsfs device (every namespace file's), from this process's own namespace file; -1 when unreadable. */
    static final long NSFS_DEVICE = nsfsDevice();

    private final Supplier<Look> look;

    NamespaceScan(Supplier<Look> look) {
        this.look = look;
    }

    private static long nsfsDevice() {
        NetNamespace.NsId own = NamespaceSource.statId(Path.of("/proc/self/ns/net"));
        return own == null ? -1 : own.device();
    }

    @Override
    public List<Candidate> discover() {
        return look().found();
    }

    @Override
    public Look look() {
        return look.get();
    }
}
