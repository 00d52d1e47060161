package dev.hostkit.samples.docs;

import dev.hostkit.core.NativeException;
import dev.hostkit.core.NetNamespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The example of {@code core/README.md}, kept here so the page compiles against the real API.
 * {@link ReadmeExamplesIT} runs it on this process's own namespace.
 */
final class CoreExample {
    private CoreExample() {}

    /** The interface names in the network namespace of {@code containerPid}, read from inside it. */
    static List<String> interfaces(int containerPid) throws IOException {
        // --- README example starts
        try (NetNamespace ns = NetNamespace.ofPid(containerPid)) { // one fd, closed here
            // Runs on a hostkit thread that setns()es in and back out; this thread never moves.
            // The lambda's IOException is rethrown here unchanged (NsTask keeps the checked type).
            List<String> dev = ns.run(() -> Files.readAllLines(Path.of("/proc/thread-self/net/dev")));
            System.out.println(ns.id() + ": " + (dev.size() - 2) + " interfaces"); // net:[4026532…]@4: 2 interfaces
            return dev.stream()
                    .skip(2)
                    .map(l -> l.substring(0, l.indexOf(':')).strip())
                    .toList();
        } catch (NativeException e) {
            System.err.println(e.getMessage()); // open(/proc/4242/ns/net): ENOENT (No such file or directory)
            throw e;
        }
        // --- README example ends
    }
}
