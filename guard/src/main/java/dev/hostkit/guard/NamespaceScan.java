package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;

import java.nio.file.Path;
import java.util.List;

/**
 * A {@link NamespaceSource} whose look reports the entries it could not read; {@link #discover()} is the found part.
 * Its sources keep what they found between looks: the guardian's periodic look hands them the directories' changes
 * ({@link #look(DirectoryChanges, boolean)}); a plain {@link #look()} reads everything again.
 * Package-private: the built-in sources are made through {@link NamespaceSource}'s factories.
 */
final class NamespaceScan implements NamespaceSource {
    /** The nsfs device (every namespace file's), from this process's own namespace file; -1 when unreadable. */
    static final long NSFS_DEVICE = nsfsDevice();

    /** One look of a source that keeps what it found. */
    @FunctionalInterface
    interface KeptLook {
        /**
         * @param changes the watched directories' changes since the last look (drained by the caller), or null
         * @param afresh whether everything is read again
         */
        Look look(DirectoryChanges changes, boolean afresh);
    }

    private final KeptLook look;

    NamespaceScan(KeptLook look) {
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
        return look.look(null, true);
    }

    /**
     * A look that reads only what may have changed: {@code changes} tells which files of watched directories did
     * (null: unknown), and {@code afresh} reads everything.
     */
    Look look(DirectoryChanges changes, boolean afresh) {
        return look.look(changes, afresh);
    }

    /** {@code source}'s look: a kept one when it is one of these, else a plain one. */
    static Look lookAt(NamespaceSource source, DirectoryChanges changes, boolean afresh) {
        return source instanceof NamespaceScan s ? s.look(changes, afresh) : source.look();
    }
}
