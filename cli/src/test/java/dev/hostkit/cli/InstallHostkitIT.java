package dev.hostkit.cli;

import dev.hostkit.testkit.HostTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/install-hostkit.sh as deploy/Dockerfile runs it, into a temporary prefix: the launcher NPD's configs name
 * answers a plugin command, with JNA's library from the install (a process with no writable HOME or temporary
 * directory, as in NPD's read-only container, where JNA could not extract it) and the CDS archive beside the jar.
 */
@HostTest
class InstallHostkitIT {
    private static final Path SCRIPT = Path.of("..", "deploy", "install-hostkit.sh");
    private static final Path TRAINING_STATE = Path.of("..", "deploy", "cds-training");

    @TempDir
    Path dir;

    record Run(int status, String out) {}

    private static Run run(List<String> argv, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true);
        pb.environment().remove("DOCKER_HOST");
        pb.environment().remove(HostRoot.ENV);
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("%s finishes", argv).isTrue();
            return new Run(p.exitValue(), out);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theInstalledLauncherAnswersAPluginWithJnaFromTheInstallAndNoWritableTemporaryDirectory() throws Exception {
        Path prefix = dir.resolve("opt");
        Run install = run(
                List.of("sh", SCRIPT.toString(), "target", prefix.toString(), System.getProperty("java.home")),
                Map.of());
        assertThat(install.status()).as(install.out()).isZero();
        assertThat(prefix.resolve("bin/hostkit")).isExecutable();
        assertThat(Files.size(prefix.resolve("hostkit.jsa"))).isPositive();
        assertThat(Files.readString(prefix.resolve("bin/hostkit")))
                .contains("-XX:SharedArchiveFile=\"" + prefix.resolve("hostkit.jsa") + "\"")
                .contains("-Djna.boot.library.path=" + prefix.resolve("lib"));
        assertThat(prefix.resolve("lib/libjnidispatch.so")).isRegularFile();
        // From a JDK: a runtime of its own with the modules hostkit uses, not the whole JDK.
        assertThat(Files.isSymbolicLink(prefix.resolve("jre"))).isFalse();
        String modules = Files.readAllLines(prefix.resolve("jre/release")).stream()
                .filter(l -> l.startsWith("MODULES="))
                .findFirst()
                .orElseThrow();
        assertThat(modules).contains("java.base", "jdk.unsupported", "jdk.httpserver", "jdk.crypto.ec");
        assertThat(modules).doesNotContain("java.compiler", "jdk.jshell");

        // The guardian's archive maps (-Xshare:on refuses to start otherwise) with the unit's collector.
        Run guardArchive = run(
                List.of(
                        prefix.resolve("jre/bin/java").toString(),
                        "-XX:+UseSerialGC",
                        "-Xshare:on",
                        "-XX:SharedArchiveFile=" + prefix.resolve("hostkit-guard.jsa"),
                        "-jar",
                        prefix.resolve("hostkit.jar").toString(),
                        "--version"),
                Map.of());
        assertThat(guardArchive.status()).as(guardArchive.out()).isZero();

        // The guardian check needs JNA (a netlink look at the host) once a state file is there.
        Path state = Files.createDirectory(
                dir.resolve("state"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(TRAINING_STATE, "netns-*.json")) {
            for (Path f : files) {
                Files.copy(f, state.resolve(f.getFileName().toString()));
            }
        }
        // /proc: no file can be created there, not even by root (who writes into a directory of any mode). Without
        // the install's library, this run answers "Failed to create temporary file for .../libjnidispatch.so".
        Run plugin = run(
                List.of(
                        prefix.resolve("bin/hostkit").toString(),
                        "doctor",
                        "--check",
                        "MacvlanLost",
                        "--npd",
                        "--root",
                        "/",
                        "--state-dir",
                        state.toString()),
                Map.of(
                        "HOME", "/proc",
                        "XDG_CACHE_HOME", "/proc",
                        "JDK_JAVA_OPTIONS", "-Djava.io.tmpdir=/proc"));

        // The training state's namespace does not exist: the guardian would drop it, nothing is lost.
        assertThat(plugin.out()).as("exit %d", plugin.status()).endsWith("0 guarded macvlan(s) present\n");
        assertThat(plugin.status()).isZero();

        // The Docker checks were trained against the stand-in engine: a ping through the launcher loads the HTTP
        // exchange's classes from the archive, none from the jar.
        Path socket = dir.resolve("engine.sock");
        Process engine = new ProcessBuilder(
                        prefix.resolve("jre/bin/java").toString(),
                        "-cp",
                        prefix.resolve("hostkit.jar").toString(),
                        "dev.hostkit.cli.CdsTrainingEngine",
                        socket.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            for (int i = 0; i < 100 && !Files.exists(socket); i++) {
                Thread.sleep(50);
            }
            Path classes = dir.resolve("classes.txt");
            // The launcher's own -Xlog:disable would silence a log asked for through JDK_JAVA_OPTIONS.
            Run ping = run(
                    List.of(
                            prefix.resolve("jre/bin/java").toString(),
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-Xshare:on",
                            "-XX:SharedArchiveFile=" + prefix.resolve("hostkit.jsa"),
                            "-Xlog:class+load=info:file=" + classes,
                            "-jar",
                            prefix.resolve("hostkit.jar").toString(),
                            "doctor",
                            "--check",
                            "DockerEngineDown",
                            "--npd"),
                    Map.of("DOCKER_HOST", "unix://" + socket));
            assertThat(ping.out()).contains("Docker Engine answers /_ping (API 1.41)");
            assertThat(ping.status()).isZero();
            assertThat(Files.readAllLines(classes))
                    .filteredOn(l -> l.contains(" org.apache.hc.") || l.contains(" dev.hostkit.docker."))
                    .isNotEmpty()
                    .allMatch(l -> l.contains("source: shared objects file"));
        } finally {
            engine.destroyForcibly();
        }
    }

    @Test
    void fromAJreWithoutJlinkTheRuntimeIsThatJreWhole() throws Exception {
        // A JRE: a java launcher (it finds its home from its own path) and no jlink or jmods beside it.
        Path jre = Files.createDirectories(dir.resolve("jre-only/bin"));
        Files.createSymbolicLink(jre.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        Path prefix = dir.resolve("opt");
        Run install = run(
                List.of(
                        "sh",
                        SCRIPT.toString(),
                        "target",
                        prefix.toString(),
                        jre.getParent().toString()),
                Map.of());
        assertThat(install.status()).as(install.out()).isZero();
        assertThat(install.out())
                .contains("has no jlink and jmods (a JRE): " + prefix.resolve("jre") + " is all of it");
        assertThat(Files.readSymbolicLink(prefix.resolve("jre"))).isEqualTo(jre.getParent());
        assertThat(prefix.resolve("bin/hostkit")).isExecutable();
        assertThat(Files.size(prefix.resolve("hostkit-guard.jsa"))).isPositive();
    }

    @Test
    void aFailedReinstallLeavesThePreviousInstallWholeAndADoneOneReplacesTheJarARunningJvmHolds() throws Exception {
        Path jre = Files.createDirectories(dir.resolve("jre-only/bin"));
        Files.createSymbolicLink(jre.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        Path prefix = dir.resolve("opt");
        List<String> fromJre = List.of(
                "sh",
                SCRIPT.toString(),
                "target",
                prefix.toString(),
                jre.getParent().toString());
        Run first = run(fromJre, Map.of());
        assertThat(first.status()).as(first.out()).isZero();
        Map<String, String> before = contents(prefix);

        // A JDK whose jlink fails: the runtime cannot be made, so nothing in the install may change.
        Path jdk = Files.createDirectories(dir.resolve("broken-jdk/bin"));
        Files.createDirectory(jdk.resolveSibling("jmods"));
        Files.createSymbolicLink(jdk.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        Files.createSymbolicLink(jdk.resolve("jdeps"), Path.of(System.getProperty("java.home"), "bin", "jdeps"));
        Files.writeString(jdk.resolve("jlink"), "#!/bin/sh\necho 'Error: no space left on device' >&2\nexit 1\n");
        Files.setPosixFilePermissions(jdk.resolve("jlink"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Run broken = run(
                List.of(
                        "sh",
                        SCRIPT.toString(),
                        "target",
                        prefix.toString(),
                        jdk.getParent().toString()),
                Map.of());
        assertThat(broken.status()).isNotZero();
        assertThat(broken.out())
                .endsWith("install-hostkit.sh: failed while linking the runtime (" + jdk.resolve("jlink") + "; "
                        + prefix + " is unchanged)\n");
        assertThat(contents(prefix)).isEqualTo(before);

        // A running JVM holds the jar open: a reinstall puts a new file in its place instead of writing over the one
        // it reads (its later class loads would read new bytes at old offsets).
        Path jar = prefix.resolve("hostkit.jar");
        Object inode = Files.getAttribute(jar, "unix:ino");
        try (FileChannel held = FileChannel.open(jar)) {
            Run again = run(fromJre, Map.of());
            assertThat(again.status()).as(again.out()).isZero();
            assertThat(Files.getAttribute(jar, "unix:ino")).isNotEqualTo(inode);
            assertThat(heldFiles())
                    .as("the jar this process holds open was replaced by a new file, not written over")
                    .contains(jar + " (deleted)");
            assertThat(held.size())
                    .isEqualTo(Long.parseLong(before.get("hostkit.jar").split(" ")[1]));
        }
        assertThat(contents(prefix).keySet()).isEqualTo(before.keySet());
        Run version = run(List.of(prefix.resolve("bin/hostkit").toString(), "--version"), Map.of());
        assertThat(version.out()).startsWith("hostkit ");
    }

    // Every entry below the install (the runtime link by its target), with its inode and size: what a failed install
    // must leave as it was. Stage directories would show up here as new entries.
    private static Map<String, String> contents(Path prefix) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(prefix)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String what = Files.isSymbolicLink(p)
                        ? "-> " + Files.readSymbolicLink(p)
                        : Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS) + " "
                                + (Files.isDirectory(p) ? "dir" : Files.size(p));
                out.put(prefix.relativize(p).toString(), what);
            }
        }
        return out;
    }

    // What this process's open fds name (a file removed or replaced while open ends in " (deleted)").
    private static List<String> heldFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString();
                        } catch (IOException e) {
                            return ""; // closed meanwhile (the listing's own fd)
                        }
                    })
                    .toList();
        }
    }
}
