package dev.hostkit.samples.docs;

import dev.hostkit.guard.GuardMetrics;
import dev.hostkit.guard.MacvlanGuardian;
import dev.hostkit.guard.NamespaceSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The guardian example of {@code guard/README.md}, kept here so the page compiles against the real API.
 * {@link ReadmeExamplesIT} runs it against a throwaway namespace.
 */
final class GuardianExample {
    private GuardianExample() {}

    /** Guards the macvlans on {@code parent} until {@code stop}, writing Prometheus metrics; returns the last counters. */
    static GuardMetrics guard(
            Path stateDir, String parent, NamespaceSource namespaces, Path metricsFile, CountDownLatch stop)
            throws IOException, InterruptedException {
        // --- README example starts
        try (MacvlanGuardian guardian = MacvlanGuardian.builder()
                .stateDir(stateDir) // snapshots as JSON: 0600 files in a 0700 directory
                .parents(Set.of(parent)) // only macvlans on this host parent (default: every parent)
                .namespaces(namespaces) // default NamespaceSource.hostDefault(): named, then every process's
                .listener(e -> System.out.println(e.toJsonLine())) // snapshot, lost, repaired, repair_failed, ...
                .build()) { // loads state; unusable files are reported, not fatal
            guardian.stateProblems().forEach(p -> System.err.println("state file skipped: " + p));
            guardian.start(); // host link events + a full pass now and every 3 s
            do {
                Path tmp = metricsFile.resolveSibling(metricsFile.getFileName() + ".tmp");
                Files.writeString(tmp, guardian.metrics().toPrometheusText());
                Files.move(tmp, metricsFile, StandardCopyOption.ATOMIC_MOVE); // node_exporter textfile collector
            } while (!stop.await(15, TimeUnit.SECONDS));
            return guardian.metrics();
        } // close(): stops its threads, lets running repairs finish or roll back, flushes state, closes sockets
        // --- README example ends
    }
}
