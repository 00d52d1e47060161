package dev.hostkit.benchmarks.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Start-up of each node-problem-detector plugin ({@code hostkit doctor --check NAME --npd}) as a fresh process with
 * the deployed launcher's JVM flags (deploy/Dockerfile) and a CDS archive, beside the same check through picocli (as
 * before NpdLaunch), the bare JVM and the doctor's own full run ({@code hostkit doctor --json}):
 * wall time (median, min) and CPU time of the child (user+sys from this process's cutime/cstime), rounds interleaved.
 * Usage: NpdPluginBenchmark JAR JSA ROUNDS STATE_DIR (DOCKER_HOST must name a private engine).
 */
public final class NpdPluginBenchmark {
    private NpdPluginBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path jsa = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        String stateDir = args[3];
        String host = System.getenv("DOCKER_HOST");
        if (host == null || host.endsWith("/var/run/docker.sock") || host.endsWith("/run/docker.sock")) {
            throw new IllegalStateException("set DOCKER_HOST to a private engine, not the system socket");
        }
        Map<String, List<String>> commands = new LinkedHashMap<>();
        for (String check : List.of("MacvlanLost", "MemcgIdPressure", "DockerEngineDown", "DockerSocketLeak")) {
            commands.put(check, List.of("doctor", "--check", check, "--npd", "--state-dir", stateDir));
            // "--check=NAME" is not the plugin command line NpdLaunch reads: picocli parses it, as every run did
            // before.
            commands.put(
                    check + " through picocli (before)",
                    List.of("doctor", "--check=" + check, "--npd", "--state-dir", stateDir));
        }
        commands.put("java -version (the JVM alone)", List.of("-version"));
        commands.put("doctor --json (full survey)", List.of("doctor", "--json"));
        commands.put("help (JVM and jar start, nothing checked)", List.of("help"));
        List<String> jvm = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-Xlog:disable",
                "-Xlog:all=error:stderr"));
        if (Files.exists(jsa)) {
            jvm.add("-XX:SharedArchiveFile=" + jsa);
        }
        jvm.addAll(List.of("-jar", jar.toString()));
        Map<String, double[]> wall = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        Map<String, String> lastLine = new LinkedHashMap<>();
        commands.keySet().forEach(k -> {
            wall.put(k, new double[rounds]);
            cpu.put(k, new double[rounds]);
        });
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
        for (int r = -1; r < rounds; r++) { // round -1 warms the page cache
            for (Map.Entry<String, List<String>> e : commands.entrySet()) {
                List<String> argv = new ArrayList<>(jvm);
                if (e.getValue().equals(List.of("-version"))) {
                    argv = new ArrayList<>(jvm.subList(0, jvm.size() - 2)); // no -jar
                }
                argv.addAll(e.getValue());
                long[] c0 = childTicks();
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder(argv)
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                String out = new String(p.getInputStream().readAllBytes());
                int status = p.waitFor();
                double ms = (System.nanoTime() - t0) / 1e6;
                long[] c1 = childTicks();
                if (r >= 0) {
                    wall.get(e.getKey())[r] = ms;
                    cpu.get(e.getKey())[r] = (c1[0] - c0[0] + c1[1] - c0[1]) * 10.0; // USER_HZ 100
                }
                lastLine.put(
                        e.getKey(),
                        "exit " + status + ": " + out.lines().findFirst().orElse(""));
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();
        System.out.println("| command | median wall (ms) | min wall (ms) | median CPU (ms) | last answer |");
        System.out.println("|---|---:|---:|---:|---|");
        for (String k : commands.keySet()) {
            System.out.printf(
                    "| %s | %.0f | %.0f | %.0f | %s |%n",
                    k,
                    median(wall.get(k)),
                    Arrays.stream(wall.get(k)).min().orElse(0),
                    median(cpu.get(k)),
                    k.startsWith("doctor")
                            ? lastLine.get(k).replaceAll(":.*", "")
                            : lastLine.get(k).replace("|", "/"));
        }
        System.out.println("load average before: " + loadBefore + "; after: " + loadAfter + "; rounds: " + rounds
                + "; CDS archive: " + (Files.exists(jsa) ? jsa : "none"));
    }

    /** cutime and cstime of this process (children waited for), in clock ticks. */
    private static long[] childTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[13]), Long.parseLong(f[14])}; // fields 16 and 17 of proc(5)
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
