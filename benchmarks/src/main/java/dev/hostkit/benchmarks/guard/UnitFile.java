package dev.hostkit.benchmarks.guard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What deploy/systemd/hostkit-guard.service runs the guardian with, read from the unit itself so the benchmarks
 * measure the daemon as deployed: the JVM flags of its ExecStart, its Environment=, and those flags for a given
 * install of hostkit.
 */
final class UnitFile {
    private UnitFile() {}

    // The JVM flags of the unit's ExecStart: what sits between the java binary and -jar.
    static List<String> flags(Path unit) throws IOException {
        String exec = Files.readString(unit).replace("\\\n", " ");
        for (String line : exec.split("\n")) {
            if (line.startsWith("ExecStart=")) {
                List<String> words =
                        List.of(line.substring("ExecStart=".length()).trim().split("\\s+"));
                return words.subList(1, words.indexOf("-jar"));
            }
        }
        throw new IllegalStateException("no ExecStart= in " + unit);
    }

    /** Where the unit expects deploy/install-hostkit.sh's install. */
    private static final String UNIT_PREFIX = "/opt/hostkit";

    /**
     * The unit's flags for a jar: when the jar is an install made by deploy/install-hostkit.sh (its guardian archive
     * beside it), the unit's /opt/hostkit paths become that install's, so the daemon runs as deployed, archive and
     * all; otherwise the flags naming /opt/hostkit (the archive, JNA's library) are left out.
     */
    static List<String> asInstalled(List<String> unitFlags, Path jar) {
        Path prefix = jar.toAbsolutePath().getParent();
        boolean installed = Files.isRegularFile(prefix.resolve("hostkit-guard.jsa"));
        List<String> out = new ArrayList<>();
        for (String f : unitFlags) {
            if (!f.contains(UNIT_PREFIX + "/")) {
                out.add(f);
            } else if (installed) {
                out.add(f.replace(UNIT_PREFIX + "/", prefix + "/"));
            }
        }
        return out;
    }

    /**
     * The java the unit runs for a jar: an install's own runtime ({@code PREFIX/jre/bin/java}, a jlink runtime when
     * installed from a JDK, which its archives were dumped by and only map with), else the java on PATH.
     */
    static String java(Path jar) {
        Path prefix = jar.toAbsolutePath().getParent();
        Path own = prefix.resolve("jre/bin/java");
        return Files.isRegularFile(prefix.resolve("hostkit-guard.jsa")) && Files.isExecutable(own)
                ? own.toString()
                : "java";
    }

    /**
     * With {@code -Dhk.coldCache=true}, writes dirty pages and drops the page cache before a daemon starts, so every
     * build starts as after a node's boot. The resident size of a mapped file (libjvm.so, the archive, the runtime
     * image) counts the pages the kernel maps around each fault from the cache: a runtime that jlink has just written
     * is all in the cache and shows 4.7 MB more of libjvm.so than the same file read cold (session 8).
     */
    static void coldCacheIfAsked() throws IOException, InterruptedException {
        if (Boolean.getBoolean("hk.coldCache")) {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        }
    }

    // The unit's Environment= assignments (MALLOC_ARENA_MAX=2 ...): the daemon runs with them.
    static Map<String, String> environment(Path unit) throws IOException {
        Map<String, String> env = new TreeMap<>();
        for (String line : Files.readString(unit).split("\n")) {
            if (line.startsWith("Environment=")) {
                for (String kv : line.substring("Environment=".length()).trim().split("\\s+")) {
                    String[] p = kv.replace("\"", "").split("=", 2);
                    if (p.length == 2) {
                        env.put(p[0], p[1]);
                    }
                }
            }
        }
        return env;
    }

    /**
     * {@code ip netns exec HOME java FLAGS -jar JAR guard --state-dir STATE --parent (the benchmarks' parent)
     * --resync-seconds N}: the daemon as the benchmarks start it; the caller adds {@code --netns} paths or other options.
     */
    static List<String> guardCommand(String home, List<String> flags, Path jar, Path state, int resyncSeconds) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", home, java(jar)));
        cmd.addAll(flags);
        cmd.addAll(List.of(
                "-jar",
                jar.toString(),
                "guard",
                "--state-dir",
                state.toString(),
                "--parent",
                GuardRepairBenchmark.PARENT,
                "--resync-seconds",
                String.valueOf(resyncSeconds)));
        return cmd;
    }
}
