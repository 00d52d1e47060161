package dev.hostkit.core;

import com.sun.jna.Native;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** In a pid namespace of its own, the iterator's init-namespace pids are not ours: the /proc scan answers. */
class SocketOwnersPidNamespaceIT {
    @Test
    void aProcessInAnotherPidNamespaceUsesTheProcScanAndSaysWhy() throws Exception {
        String classPath = Stream.of(PidNamespaceProbe.class, SocketOwners.class, Native.class, Logger.class)
                .map(c -> {
                    try {
                        return Path.of(c.getProtectionDomain()
                                        .getCodeSource()
                                        .getLocation()
                                        .toURI())
                                .toString();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .distinct()
                .collect(Collectors.joining(File.pathSeparator));
        String java = ProcessHandle.current().info().command().orElse("java");
        // A new pid namespace with its own /proc (in a new mount namespace): the JVM inside is pid 1 there.
        Process p = new ProcessBuilder(List.of(
                        "unshare",
                        "--pid",
                        "--fork",
                        "--mount-proc",
                        java,
                        "-cp",
                        classPath,
                        PidNamespaceProbe.class.getName()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        assertThat(last).as(out).startsWith("PROC_FD_LINKS 1 this process is not in the initial pid namespace (pid:[");
    }
}
