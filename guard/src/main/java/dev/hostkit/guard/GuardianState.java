package dev.hostkit.guard;

import java.nio.file.Path;
import java.util.List;

/**
 * What a guardian keeps in its state directory, read without changing it ({@link MacvlanGuardian#readState}):
 * for health checks that run beside a live guardian.
 *
 * @param stateDir the directory read
 * @param snapshots every interface snapshot from the files that parsed, ordered by namespace inode, then name
 * @param problems the files that could not be used, ordered by file
 */
public record GuardianState(Path stateDir, List<InterfaceSnapshot> snapshots, List<StateFileProblem> problems) {
    /** Copies the lists. */
    public GuardianState {
        snapshots = List.copyOf(snapshots);
        problems = List.copyOf(problems);
    }
}
