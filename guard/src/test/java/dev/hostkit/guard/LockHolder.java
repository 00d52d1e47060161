package dev.hostkit.guard;

import java.nio.file.Path;

/** Holds a state directory's lock in its own JVM: prints "locked", then waits until stdin closes. */
public final class LockHolder {
    private LockHolder() {}

    public static void main(String[] args) throws Exception {
        try (SnapshotStore store = new SnapshotStore(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our stdin
            }
        }
    }
}
