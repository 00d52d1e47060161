package dev.hostkit.guard;

import java.util.List;
import java.util.function.Supplier;

/**
 * A {@link NamespaceSource} whose look reports the entries it could not read; {@link #discover()} is the found part.
 * Package-private: the built-in sources are made through {@link NamespaceSource}'s factories.
 */
final class NamespaceScan implements NamespaceSource {
    private final Supplier<Look> look;

    NamespaceScan(Supplier<Look> look) {
        this.look = look;
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
