package dev.hostkit.benchmarks.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Why the guardian's state file is read and written with jackson-core's streaming parser and generator rather than
 * jackson-databind: the resident memory a long-running JVM keeps for each. Three fresh JVMs with the guardian unit's
 * heap flags write and read a state-file-shaped document 200 times, then sleep; their RSS is read from
 * {@code /proc/PID/smaps_rollup}: one that does nothing (the floor), one with the streaming API, one with an
 * ObjectMapper binding records (what the guardian did until session 5). Speed is not the question: both take
 * microseconds per file; memory is, against the 45 MB goal of issue #13.
 *
 * <p>Run: {@code java -cp <benchmarks classpath> dev.hostkit.benchmarks.guard.JsonFootprint [rounds]}
 */
public final class JsonFootprint {
    private static final List<String> FLAGS = List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            "-Xss256k",
            "-Xms4m",
            "-Xmn2m",
            "-Xmx32m");

    private JsonFootprint() {}

    record Addr(String address, int prefix, String peer, String broadcast, int scope, long flags, String label) {}

    record Iface(
            String name, int ifindex, String mac, int mtu, String mode, boolean up, long taken, List<Addr> addresses) {}

    record State(int version, String path, List<Iface> interfaces) {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].startsWith("child:")) {
            child(args[0].substring("child:".length()));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        System.out.printf(Locale.ROOT, "JVM flags %s, %d fresh JVMs per row; load average %s%n", FLAGS, rounds, load());
        System.out.println("| JSON layer | median RSS (MB) | min | max |");
        System.out.println("|---|---:|---:|---:|");
        double floor = 0;
        for (String mode : List.of("none", "streaming", "databind")) {
            List<Double> rss = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                List<String> cmd = new ArrayList<>(List.of(java));
                cmd.addAll(FLAGS);
                cmd.addAll(List.of(
                        "-cp", System.getProperty("java.class.path"), JsonFootprint.class.getName(), "child:" + mode));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                try (BufferedReader in =
                        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line = in.readLine();
                    if (!"ready".equals(line)) {
                        throw new IllegalStateException(mode + ": child said " + line);
                    }
                    Thread.sleep(500); // settle
                    rss.add(rssMb(p.pid()));
                } finally {
                    p.destroyForcibly().waitFor();
                }
            }
            rss.sort(null);
            double median = rss.get(rss.size() / 2);
            if (mode.equals("none")) {
                floor = median;
            }
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.1f (+%.1f) | %.1f | %.1f |%n",
                    mode,
                    median,
                    median - floor,
                    rss.get(0),
                    rss.get(rss.size() - 1));
        }
        System.out.println("load average after: " + load());
    }

    private static void child(String mode) throws Exception {
        State s = new State(
                1,
                "/var/run/netns/c1",
                List.of(new Iface(
                        "eth1",
                        4,
                        "02:42:ac:11:00:02",
                        1500,
                        "bridge",
                        true,
                        1796215781537L,
                        List.of(new Addr("10.0.1.2", 8, null, null, 0, 128, "eth1")))));
        if (mode.equals("databind")) {
            ObjectMapper m = new ObjectMapper();
            for (int i = 0; i < 200; i++) {
                String text = m.writeValueAsString(s);
                JsonNode tree = m.readTree(text);
                if (m.treeToValue(tree, State.class).interfaces().isEmpty()) {
                    throw new IllegalStateException();
                }
            }
        } else if (mode.equals("streaming")) {
            JsonFactory f = new JsonFactory();
            for (int i = 0; i < 200; i++) {
                StringWriter w = new StringWriter();
                try (JsonGenerator g = f.createGenerator(w)) {
                    g.writeStartObject();
                    g.writeNumberField("version", s.version());
                    g.writeStringField("path", s.path());
                    g.writeArrayFieldStart("interfaces");
                    for (Iface x : s.interfaces()) {
                        g.writeStartObject();
                        g.writeStringField("name", x.name());
                        g.writeNumberField("mtu", x.mtu());
                        g.writeBooleanField("up", x.up());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                int tokens = 0;
                try (JsonParser p = f.createParser(w.toString())) {
                    while (p.nextToken() != null) {
                        tokens++;
                    }
                }
                if (tokens == 0) {
                    throw new IllegalStateException();
                }
            }
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }

    private static double rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            if (line.startsWith("Rss:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        throw new IllegalStateException("no Rss for " + pid);
    }

    private static String load() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }
}
