package dev.hostkit.guard;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a running guardian says about the interfaces it guards, as it publishes it in its state directory
 * ({@value #FILE}) after its first full pass and whenever it changes; removed when the guardian stops. A health check
 * beside a live guardian reads this instead of looking into every namespace itself: no native code, no namespace
 * entered ({@link #ofRunningGuardian}).
 *
 * <p>The status is the guardian's word, trusted while the guardian holds its directory's lock: a guardian that is
 * alive but stuck keeps saying what it last saw. The doctor's full look ({@code hostkit doctor --state-dir}) checks
 * every namespace for itself.
 *
 * @param pid the guardian's process id, in its own pid namespace
 * @param guarded how many interfaces it guards
 * @param missing the guarded interfaces missing now, ordered by namespace inode, then name
 */
public record GuardianStatus(long pid, int guarded, List<Missing> missing) {
    /** The status file in the state directory (not a state file: those are {@code netns-*.json}). */
    public static final String FILE = "status.json";

    /** Copies the list. */
    public GuardianStatus {
        missing = List.copyOf(missing);
    }

    /**
     * A guarded interface that is not in its namespace now.
     *
     * @param name the interface's name
     * @param namespaceInode its network namespace's inode ({@code net:[inode]})
     * @param namespacePid a process in that namespace when it was found through one, else 0
     * @param parent the host parent's name
     * @param waitsForParent true while its parent is gone (it is recreated when the parent returns); false when the
     *     parent is there and the interface is not back (its repair failed or is about to run)
     */
    public record Missing(String name, long namespaceInode, long namespacePid, String parent, boolean waitsForParent) {}

    /**
     * The status published by the guardian that holds {@code stateDir}'s lock now; empty when no guardian holds it
     * (none runs, or it stopped) or the running one has not finished its first pass. Reads two small files and
     * {@code /proc/locks}; changes nothing.
     *
     * @throws IOException when the status file is there but cannot be read or parsed (the file and why)
     */
    public static Optional<GuardianStatus> ofRunningGuardian(Path stateDir) throws IOException {
        return StatusFile.ofRunningGuardian(stateDir.toAbsolutePath().normalize(), Path.of("/proc/locks"));
    }

    /**
     * Whether a guardian holds {@code stateDir} now (its {@code guardian.lock} flock, as {@code /proc/locks} lists it),
     * published status or not.
     *
     * @throws IOException when the lock file or {@code /proc/locks} cannot be read
     */
    public static boolean guardianRunning(Path stateDir) throws IOException {
        return StatusFile.lockHeld(
                stateDir.toAbsolutePath().normalize().resolve(StateDirectory.LOCK_FILE), Path.of("/proc/locks"));
    }
}
