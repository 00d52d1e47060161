package dev.hostkit.cgroups;

import dev.hostkit.core.ProcFs;
import dev.hostkit.testkit.Prerequisites;
import dev.hostkit.testkit.Sh;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Permission denied as the kernel reports it to an unprivileged reader (root reads mode-000 files, so the reader
 * runs in a JVM started with {@code setpriv} as uid 65534): a typed error with EACCES naming the file.
 */
class PermissionDeniedIT {
    @TempDir
    Path dir;

    @Test
    void anUnreadableFileIsATypedEaccesErrorNamingTheFile() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommand("setpriv");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path cg = Files.createDirectories(dir.resolve("cg"));
        Files.writeString(cg.resolve("memory.usage_in_bytes"), "4096\n");
        Path stat = Files.writeString(cg.resolve("memory.stat"), "cache 0\n");
        Files.setPosixFilePermissions(stat, PosixFilePermissions.fromString("---------"));

        // The unprivileged JVM cannot see root's ~/.m2: give it copies of the classes it needs.
        List<String> classpath = new ArrayList<>();
        int n = 0;
        for (Class<?> c : List.of(CgroupException.class, ProcFs.class, ReadAsOtherUser.class)) {
            Path from = Path.of(
                    c.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path to = dir.resolve("cp" + n++ + (Files.isDirectory(from) ? "" : ".jar"));
            copy(from, to);
            classpath.add(to.toString());
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String out = Sh.run(
                        "setpriv",
                        "--reuid=65534",
                        "--regid=65534",
                        "--clear-groups",
                        java.toString(),
                        "-cp",
                        String.join(":", classpath),
                        ReadAsOtherUser.class.getName(),
                        cg.toString())
                .strip();

        assertThat(out).startsWith("CgroupException|EACCES|" + stat + "|");
        assertThat(out).contains(stat + ": EACCES (Permission denied)");
    }

    @Test
    void anUnreadableKernelCommandLineMakesTheKmemVerdictUnknownWithEacces() throws Exception {
        Prerequisites.requireRoot();
        Prerequisites.requireCommand("setpriv");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = dev.hostkit.testkit.cgroups.CgroupFixture.kernel("5.10.0").build(dir.resolve("host"));
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(
                        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Path cmdline = root.resolve("proc/cmdline");
        Files.setPosixFilePermissions(cmdline, PosixFilePermissions.fromString("---------"));
        String out = runAsNobody("kmem", root.toString());
        assertThat(out)
                .isEqualTo("false|false|unknown: cannot read " + cmdline
                        + " (EACCES), so whether the kernel was booted " + "with cgroup.memory=nokmem is not known");
    }

    private String runAsNobody(String... args) throws Exception {
        List<String> classpath = new ArrayList<>();
        int n = 0;
        for (Class<?> c :
                List.of(CgroupException.class, ProcFs.class, ReadAsOtherUser.class, org.slf4j.LoggerFactory.class)) {
            Path from = Path.of(
                    c.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path to = dir.resolve("kcp" + n++ + (Files.isDirectory(from) ? "" : ".jar"));
            copy(from, to);
            classpath.add(to.toString());
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                java.toString(),
                "-cp",
                String.join(":", classpath),
                ReadAsOtherUser.class.getName()));
        cmd.addAll(List.of(args));
        return Sh.run(cmd.toArray(String[]::new)).strip();
    }

    private static void copy(Path from, Path to) throws Exception {
        if (!Files.isDirectory(from)) {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
