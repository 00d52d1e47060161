package dev.hostkit.cgroups;

import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.TestNames;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway parent cgroup in this host's v1 memory hierarchy ({@code /sys/fs/cgroup/memory/hk...}) with children,
 * processes started inside them and page-cache files. {@link #close()} always undoes everything: kills the
 * processes, moves stragglers to the root, removes the files, then the children (deepest first) and the parent.
 */
final class TestMemoryCgroups implements AutoCloseable {
    static final Path MEMORY = Path.of("/sys/fs/cgroup/memory");

    private final Path parent;
    private final Deque<Path> made = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();

    private TestMemoryCgroups(Path parent) {
        this.parent = parent;
    }

    /** Makes the parent, or skips (fails under CI) when there is no writable v1 memory hierarchy. */
    static TestMemoryCgroups create() throws IOException {
        Prerequisites.requireRoot();
        Prerequisites.requireWritableDirectory(MEMORY);
        TestMemoryCgroups t = new TestMemoryCgroups(MEMORY.resolve(TestNames.next("cg")));
        Files.createDirectory(t.parent);
        t.made.push(t.parent);
        return t;
    }

    Path parent() {
        return parent;
    }

    /** The hierarchy path of a directory under the memory mount, e.g. {@code /hkab1cg1/a}. */
    static String pathOf(Path dir) {
        return "/" + MEMORY.relativize(dir);
    }

    /** Makes {@code parent/relative} (one level). */
    Path child(String relative) throws IOException {
        Path dir = Files.createDirectory(parent.resolve(relative));
        made.push(dir);
        return dir;
    }

    /** Removes a child cgroup now (it must have no tasks). */
    void rmdir(Path dir) throws IOException {
        Files.delete(dir);
        made.remove(dir);
    }

    /** Forgets a child removed by the code under test. */
    void forget(Path dir) {
        made.remove(dir);
    }

    /** A page-cache file for {@link #startIn}, removed on close. */
    Path file(String role) {
        Path f = Path.of("/var/tmp", TestNames.next(role));
        files.add(f);
        return f;
    }

    /**
     * Starts {@code sh -c SCRIPT} that first moves itself into {@code cgroup}. Output is discarded.
     *
     * @return the running process (killed on close)
     */
    Process startIn(Path cgroup, String script) throws IOException {
        Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && " + script)
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        processes.add(p);
        return p;
    }

    /** Runs a script inside {@code cgroup} to completion. */
    void runIn(Path cgroup, String script) throws IOException, InterruptedException {
        Process p = startIn(cgroup, script);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("script in " + cgroup + " failed: " + script);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
        // Anything still inside (a grandchild the shell forked) goes back to the root before rmdir.
        List<Path> all;
        try (Stream<Path> s = Files.walk(parent)) {
            all = s.filter(Files::isDirectory)
                    .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .toList();
        } catch (IOException e) {
            all = List.copyOf(made);
        }
        for (Path dir : all) {
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!pid.isBlank()) {
                    try {
                        Files.writeString(MEMORY.resolve("cgroup.procs"), pid.strip());
                    } catch (IOException e) {
                        // exited meanwhile
                    }
                }
            }
        }
        IOException failure = null;
        for (Path dir : all) {
            for (int attempt = 0; ; attempt++) {
                try {
                    Files.deleteIfExists(dir);
                    break;
                } catch (IOException e) {
                    if (attempt == 50) {
                        failure = failure == null ? e : failure;
                        break;
                    }
                    Thread.sleep(100);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
