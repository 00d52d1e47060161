package dev.hostkit.testkit.cgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

// Where CgroupFixture.build may write: an empty or missing directory, never /, /proc, /sys or /dev; and how a failed
// build is undone (everything below that directory removed).
final class FixtureDirectory {
    private FixtureDirectory() {}

    static Path check(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Path target = dir.toAbsolutePath().normalize();
        try {
            if (Files.exists(target)) {
                target = target.toRealPath();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + dir, e);
        }
        for (String system : List.of("/proc", "/sys", "/dev")) {
            if (target.startsWith(system)) {
                throw new IllegalArgumentException(
                        "refusing to write a cgroup fixture into " + target + ": it is under " + system);
            }
        }
        if (target.getNameCount() == 0) {
            throw new IllegalArgumentException("refusing to write a cgroup fixture into / : give a JUnit @TempDir");
        }
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new IllegalArgumentException(
                        "cannot write a cgroup fixture into " + target + ": not a directory");
            }
            try (Stream<Path> s = Files.list(target)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("cannot write a cgroup fixture into " + target
                            + ": the directory is not empty (use a fresh @TempDir or a new subdirectory)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + target, e);
            }
        }
        return target;
    }

    // build() only writes into an empty directory, so removing everything below it undoes the attempt.
    static void deleteContents(Path target, Exception cause) {
        if (!Files.isDirectory(target)) {
            return;
        }
        try (Stream<Path> s = Files.walk(target)) {
            List<Path> all = new ArrayList<>(s.toList());
            Collections.reverse(all);
            for (Path p : all) {
                if (!p.equals(target)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
