package dev.hostkit.guard;

import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.NetNamespace.NsId;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which network namespace a snapshot belongs to and how to open it again: identity (nsfs device and inode, plus
 * the kernel's never-reused netns cookie when known) and a way back in (a pid and/or a path).
 * The identity, not the path, decides whether a namespace is still the same one.
 *
 * @param device the nsfs device number
 * @param inode the namespace inode ({@code net:[INODE]}); the kernel may reuse it after the namespace dies
 * @param cookie the netns cookie ({@code SO_NETNS_COOKIE}), never reused while the host runs; 0 when unknown
 * @param pid a process inside the namespace, 0 when none is known (a named namespace)
 * @param path the file to reopen: {@code /var/run/netns/NAME} or {@code /proc/PID/ns/net}
 */
public record NamespaceRef(long device, long inode, long cookie, int pid, Path path) {
    /** Validates the fields. */
    public NamespaceRef {
        Objects.requireNonNull(path, "path");
        if (inode <= 0) {
            throw new IllegalArgumentException("namespace inode must be positive, was " + inode);
        }
        if (pid < 0) {
            throw new IllegalArgumentException("pid must not be negative, was " + pid);
        }
    }

    /** The nsfs identity. */
    public NsId id() {
        return new NsId(device, inode);
    }

    /**
     * Whether an open namespace is this one: same device and inode, and the same cookie when both are known.
     *
     * @param id the identity of the namespace now found at {@link #path()} (or at another path)
     * @param cookie its cookie, 0 when unknown
     * @return true when it is the same namespace
     */
    public boolean sameAs(NsId id, long cookie) {
        return id.device() == device
                && id.inode() == inode
                && (this.cookie == 0 || cookie == 0 || this.cookie == cookie);
    }

    /** The same namespace, reached through {@code pid} and {@code path} (a namespace outlives the process first seen). */
    public NamespaceRef reachedVia(int pid, Path path) {
        return new NamespaceRef(device, inode, cookie, pid, path);
    }

    /** Opens the namespace file at {@link #path()}; the caller verifies the identity. */
    NetNamespace open() {
        return NetNamespace.open(path);
    }

    // equals and hashCode written out, same meaning as the record's: the generated ones link through method handles
    // on first use, and the first such link in a fresh JVM costs about 45 ms (a node-problem-detector plugin run).
    @Override
    public boolean equals(Object o) {
        return o instanceof NamespaceRef r
                && r.device == device
                && r.inode == inode
                && r.cookie == cookie
                && r.pid == pid
                && r.path.equals(path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(device, inode, cookie, pid, path);
    }

    @Override
    public String toString() {
        return "net:[" + inode + "]" + (pid > 0 ? " pid " + pid : "") + " (" + path + ")";
    }
}
