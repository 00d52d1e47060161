package dev.hostkit.doctor;

import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;
import dev.hostkit.core.NetNamespace.NsId;
import dev.hostkit.netlink.Link;
import dev.hostkit.netlink.RtNetlink;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One link dump per network namespace per doctor run, shared by the checks that look at links (the macvlan inventory
 * and the guardian state): a namespace is entered once however many checks ask, and a check that asks while another
 * is dumping waits for that dump instead of making its own.
 */
final class LinkDumps {
    /**
     * A namespace's links and netns cookie, or why they could not be read.
     *
     * @param links the interfaces, empty on failure
     * @param cookie the netns cookie, 0 when the kernel has none (before 5.14)
     * @param failure why the namespace could not be read, {@code null} when it was
     * @param hostNsid the nsid by which the namespace knows the doctor's (the host's) namespace: the
     *                 {@link Link#linkNetnsId()} of links whose parent is a host link; -1 when it has none
     */
    record Dump(List<Link> links, long cookie, String failure, int hostNsid) {
        boolean ok() {
            return failure == null;
        }
    }

    private final ConcurrentHashMap<NsId, CompletableFuture<Dump>> dumps = new ConcurrentHashMap<>();

    /**
     * The links of the namespace {@code id}, opened through {@code path} by the first caller.
     *
     * @param id the namespace's identity; a path that names another namespace by now is a failure, not a wrong answer
     * @param path a file naming it
     */
    Dump of(NsId id, Path path) {
        CompletableFuture<Dump> mine = new CompletableFuture<>();
        CompletableFuture<Dump> theirs = dumps.putIfAbsent(id, mine);
        if (theirs != null) {
            return theirs.join();
        }
        Dump d;
        try {
            d = read(id, path);
        } catch (RuntimeException e) {
            d = new Dump(List.of(), 0, String.valueOf(e.getMessage()), -1);
        }
        mine.complete(d);
        return d;
    }

    private static Dump read(NsId id, Path path) {
        try (NetNamespace ns = NetNamespace.open(path);
                RtNetlink rt = RtNetlink.open(ns);
                NetNamespace host = NetNamespace.current()) {
            if (!ns.id().equals(id)) {
                return new Dump(List.of(), 0, path + " names another namespace by now", -1);
            }
            return new Dump(rt.links(), cookieOf(rt), null, rt.nsidOf(host));
        } catch (NativeException e) {
            return new Dump(
                    List.of(), 0, e.getMessage(), -1); // the process exited, or its namespace is not ours to open
        }
    }

    private static long cookieOf(RtNetlink rt) {
        try {
            return rt.namespaceCookie();
        } catch (NativeException e) {
            return 0; // before 5.14 there is no cookie; the inode alone decides, as for the guardian
        }
    }
}
