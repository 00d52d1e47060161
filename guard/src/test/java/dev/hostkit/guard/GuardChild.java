package dev.hostkit.guard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A guardian in its own JVM, for the IT that kills one with SIGKILL in the middle of a repair.
 * Arguments: STATE_DIR PARENT READY_FILE NETNS_PATH...; writes READY_FILE once its first pass is done, then runs until killed.
 */
public final class GuardChild {
    private GuardChild() {}

    public static void main(String[] args) throws Exception {
        List<Path> namespaces = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            namespaces.add(Path.of(args[i]));
        }
        MacvlanGuardian g = MacvlanGuardian.builder()
                .stateDir(Path.of(args[0]))
                .parents(Set.of(args[1]))
                .namespaces(NamespaceSource.of(namespaces))
                .resync(Duration.ofSeconds(60))
                .build();
        g.reconcileOnce();
        g.start();
        // The test kills this guardian mid-repair to see what the next one makes of it: its state must be on disk first
        // (a guardian that ran a while has it there; in a fresh JVM under load the first write can take seconds).
        Path dir = Path.of(args[0]);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (stateFiles(dir) < namespaces.size() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Files.writeString(Path.of(args[2]), "ready");
        Thread.sleep(Long.MAX_VALUE);
    }

    private static long stateFiles(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .count();
        }
    }
}
