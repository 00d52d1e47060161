package dev.hostkit.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A node-problem-detector custom plugin monitor config (pkg/custompluginmonitor/types/config.go), read with Jackson
 * and filled with NPD's defaults (invoke_interval 30s, timeout 5s, max_output_length 80, concurrency 3) as NPD does.
 * Unknown keys are an error here (NPD would ignore a misspelled one silently).
 */
record NpdConfig(
        String plugin,
        @JsonProperty("pluginConfig") PluginConfig pluginConfig,
        String source,
        @JsonProperty("metricsReporting") Boolean metricsReporting,
        List<Condition> conditions,
        List<Rule> rules) {
    static final Path DIR = Path.of("..", "deploy", "node-problem-detector");
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    record PluginConfig(
            @JsonProperty("invoke_interval") String invokeInterval,
            String timeout,
            @JsonProperty("max_output_length") Integer maxOutputLength,
            Integer concurrency,

            @JsonProperty("enable_message_change_based_condition_update")
            Boolean messageChangeUpdates,

            @JsonProperty("skip_initial_status") Boolean skipInitialStatus) {
        Duration interval() {
            return invokeInterval == null ? Duration.ofSeconds(30) : goDuration(invokeInterval);
        }

        Duration globalTimeout() {
            return timeout == null ? Duration.ofSeconds(5) : goDuration(timeout);
        }

        int maxOutput() {
            return maxOutputLength == null ? 80 : maxOutputLength;
        }
    }

    record Condition(String type, String reason, String message) {}

    record Rule(String type, String condition, String reason, String path, List<String> args, String timeout) {
        Duration timeout(PluginConfig pc) {
            return timeout == null ? pc.globalTimeout() : goDuration(timeout);
        }
    }

    /** Every {@code *.json} of deploy/node-problem-detector, by file name. */
    static List<Loaded> all() throws IOException {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        List<Loaded> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add(new Loaded(f.getFileName().toString(), json.readValue(f.toFile(), NpdConfig.class)));
            }
        }
        return out;
    }

    record Loaded(String file, NpdConfig config) {}

    /** Go's time.ParseDuration for the forms configs use (sequences of number+unit). */
    static Duration goDuration(String s) {
        Matcher m = GO_DURATION_PART.matcher(s);
        double nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                break;
            }
            double n = Double.parseDouble(m.group(1));
            nanos += n
                    * switch (m.group(2)) {
                        case "ns" -> 1;
                        case "us", "µs" -> 1e3;
                        case "ms" -> 1e6;
                        case "s" -> 1e9;
                        case "m" -> 60e9;
                        default -> 3600e9;
                    };
            end = m.end();
        }
        if (end != s.length() || s.isEmpty()) {
            throw new IllegalArgumentException("'" + s + "' is not a Go duration");
        }
        return Duration.ofNanos((long) nanos);
    }
}
