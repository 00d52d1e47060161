package dev.hostkit.docker.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hostkit.docker.ContainerConfig;
import dev.hostkit.docker.ContainerInspect;
import dev.hostkit.docker.ContainerState;
import dev.hostkit.docker.ContainerSummary;
import dev.hostkit.docker.ContainerTop;
import dev.hostkit.docker.Event;
import dev.hostkit.docker.ImageInspect;
import dev.hostkit.docker.ImageSummary;
import dev.hostkit.docker.Info;
import dev.hostkit.docker.Stats;
import dev.hostkit.docker.Version;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.hostkit.docker.internal.Json.flag;
import static dev.hostkit.docker.internal.Json.map;
import static dev.hostkit.docker.internal.Json.number;
import static dev.hostkit.docker.internal.Json.pid;
import static dev.hostkit.docker.internal.Json.strings;
import static dev.hostkit.docker.internal.Json.text;

/** The one place that knows the engine's JSON field names for each model record. */
public final class Models {
    private Models() {}

    /** {@code GET /version}. */
    public static Version version(JsonNode n) {
        return new Version(
                text(n, "Version"),
                text(n, "ApiVersion"),
                text(n, "MinAPIVersion"),
                text(n, "Os"),
                text(n, "Arch"),
                text(n, "KernelVersion"),
                text(n, "GitCommit"),
                text(n, "GoVersion"));
    }

    /** {@code GET /info}. */
    public static Info info(JsonNode n) {
        return new Info(
                text(n, "ID"),
                text(n, "Name"),
                text(n, "ServerVersion"),
                number(n, "Containers"),
                number(n, "ContainersRunning"),
                number(n, "ContainersPaused"),
                number(n, "ContainersStopped"),
                number(n, "Images"),
                text(n, "Driver"),
                text(n, "CgroupDriver"),
                text(n, "CgroupVersion"),
                text(n, "KernelVersion"),
                text(n, "OperatingSystem"),
                number(n, "NCPU"),
                number(n, "MemTotal"),
                text(n, "DockerRootDir"));
    }

    /** A row of {@code GET /containers/json}. */
    public static ContainerSummary containerSummary(JsonNode n) {
        return new ContainerSummary(
                text(n, "Id"),
                strings(n, "Names"),
                text(n, "Image"),
                text(n, "ImageID"),
                text(n, "Command"),
                number(n, "Created"),
                text(n, "State"),
                text(n, "Status"),
                map(n, "Labels"));
    }

    /**
     * The whole body of {@code GET /containers/json}, streamed into records (no tree: this is the
     * call agents poll).
     */
    public static List<ContainerSummary> containerSummaries(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_ARRAY) {
            throw new JsonParseException(p, "expected a JSON array of containers, got " + p.currentToken());
        }
        List<ContainerSummary> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
            String id = "";
            String image = "";
            String imageId = "";
            String command = "";
            String state = "";
            String status = "";
            long created = 0;
            List<String> names = List.of();
            Map<String, String> labels = Map.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "Id" -> id = Json.text(p);
                    case "Names" -> names = Json.strings(p);
                    case "Image" -> image = Json.text(p);
                    case "ImageID" -> imageId = Json.text(p);
                    case "Command" -> command = Json.text(p);
                    case "Created" -> created = Json.number(p);
                    case "State" -> state = Json.text(p);
                    case "Status" -> status = Json.text(p);
                    case "Labels" -> labels = Json.map(p);
                    default -> p.skipChildren();
                }
            }
            out.add(new ContainerSummary(id, names, image, imageId, command, created, state, status, labels));
        }
        if (t != JsonToken.END_ARRAY) {
            throw new JsonParseException(p, "expected a container object, got " + t);
        }
        return List.copyOf(out);
    }

    /** {@code GET /containers/{id}/top}. */
    public static ContainerTop containerTop(JsonNode n) {
        List<List<String>> rows = new ArrayList<>();
        JsonNode ps = n.get("Processes");
        if (ps != null && ps.isArray()) {
            for (JsonNode row : ps) {
                List<String> cells = new ArrayList<>(row.size());
                row.forEach(c -> cells.add(c.isNull() ? "" : c.asText()));
                rows.add(cells);
            }
        }
        return new ContainerTop(strings(n, "Titles"), rows);
    }

    /** {@code GET /containers/{id}/json}. */
    public static ContainerInspect containerInspect(JsonNode n) {
        JsonNode s = n.get("State");
        JsonNode c = n.get("Config");
        ContainerState state = new ContainerState(
                text(s, "Status"),
                flag(s, "Running"),
                flag(s, "Paused"),
                flag(s, "Restarting"),
                flag(s, "OOMKilled"),
                flag(s, "Dead"),
                pid(s, "Pid"),
                number(s, "ExitCode"),
                text(s, "Error"),
                text(s, "StartedAt"),
                text(s, "FinishedAt"));
        ContainerConfig config = new ContainerConfig(
                text(c, "Hostname"),
                text(c, "User"),
                strings(c, "Env"),
                strings(c, "Cmd"),
                strings(c, "Entrypoint"),
                text(c, "Image"),
                text(c, "WorkingDir"),
                map(c, "Labels"),
                flag(c, "Tty"));
        return new ContainerInspect(
                text(n, "Id"),
                text(n, "Name"),
                text(n, "Image"),
                text(n, "Created"),
                state,
                config,
                text(n.get("HostConfig"), "NetworkMode"),
                number(n, "RestartCount"));
    }

    /** A row of {@code GET /images/json}. */
    public static ImageSummary imageSummary(JsonNode n) {
        return new ImageSummary(
                text(n, "Id"), strings(n, "RepoTags"), number(n, "Created"), number(n, "Size"), map(n, "Labels"));
    }

    /** {@code GET /images/{name}/json}. */
    public static ImageInspect imageInspect(JsonNode n) {
        return new ImageInspect(
                text(n, "Id"),
                strings(n, "RepoTags"),
                text(n, "Created"),
                number(n, "Size"),
                text(n, "Os"),
                text(n, "Architecture"));
    }

    /** One object of {@code GET /events}. */
    public static Event event(JsonNode n) {
        JsonNode actor = n.get("Actor");
        long nanos = n.hasNonNull("timeNano") ? n.get("timeNano").asLong() : number(n, "time") * 1_000_000_000L;
        return new Event(text(n, "Type"), text(n, "Action"), text(actor, "ID"), map(actor, "Attributes"), nanos);
    }

    /** One object of {@code GET /containers/{id}/stats}. */
    public static Stats stats(JsonNode n) {
        JsonNode cpu = n.get("cpu_stats");
        JsonNode pre = n.get("precpu_stats");
        JsonNode mem = n.get("memory_stats");
        long rx = 0;
        long tx = 0;
        JsonNode nets = n.get("networks");
        if (nets != null && nets.isObject()) {
            for (JsonNode i : nets) {
                rx += number(i, "rx_bytes");
                tx += number(i, "tx_bytes");
            }
        }
        return new Stats(
                text(n, "read"),
                number(cpu == null ? null : cpu.get("cpu_usage"), "total_usage"),
                number(cpu, "system_cpu_usage"),
                number(pre == null ? null : pre.get("cpu_usage"), "total_usage"),
                number(pre, "system_cpu_usage"),
                number(cpu, "online_cpus"),
                number(mem, "usage"),
                number(mem, "limit"),
                number(n.get("pids_stats"), "current"),
                rx,
                tx);
    }
}
