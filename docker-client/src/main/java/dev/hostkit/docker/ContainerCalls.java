package dev.hostkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.docker.internal.FrameDemultiplexer;
import dev.hostkit.docker.internal.HttpEngine;
import dev.hostkit.docker.internal.HttpEngine.Call;
import dev.hostkit.docker.internal.Json;
import dev.hostkit.docker.internal.Models;
import dev.hostkit.docker.internal.PathSegments;
import dev.hostkit.docker.internal.StreamHandle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.StringJoiner;

import static dev.hostkit.docker.EngineCalls.addFilters;
import static dev.hostkit.docker.EngineCalls.epoch;
import static dev.hostkit.docker.EngineCalls.json;
import static dev.hostkit.docker.EngineCalls.query;
import static dev.hostkit.docker.EngineCalls.strings;

// The /containers endpoints behind DockerClient: request building and reply mapping; the facade documents them.
final class ContainerCalls {
    private final EngineCalls calls;

    ContainerCalls(EngineCalls calls) {
        this.calls = calls;
    }

    List<ContainerSummary> list(ListContainersRequest request) {
        StringJoiner q = query();
        if (request.all()) {
            q.add("all=1");
        }
        addFilters(q, request.filters());
        HttpEngine.Response r =
                calls.send(calls.call("GET", "/containers/json" + q).asList());
        return Json.stream(r.call(), r.body(), Models::containerSummaries);
    }

    ContainerInspect inspect(String idOrName) {
        return Models.containerInspect(json(calls.get(path(idOrName) + "/json")));
    }

    ContainerTop top(String id, String psArgs) {
        String path = path(id);
        if (psArgs.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("ps arguments must not contain control characters: " + psArgs);
        }
        String q = psArgs.isBlank() ? "" : "?ps_args=" + PathSegments.encode(psArgs.strip());
        return Models.containerTop(
                json(calls.send(calls.call("GET", path + "/top" + q).asList())));
    }

    String create(CreateContainerRequest r) {
        ObjectNode body = Json.object();
        body.put("Image", r.image());
        if (!r.cmd().isEmpty()) {
            strings(body.putArray("Cmd"), r.cmd());
        }
        if (!r.entrypoint().isEmpty()) {
            strings(body.putArray("Entrypoint"), r.entrypoint());
        }
        ArrayNode env = body.putArray("Env");
        r.env().forEach((k, v) -> env.add(k + "=" + v));
        ObjectNode labels = body.putObject("Labels");
        r.labels().forEach(labels::put);
        body.put("Tty", r.tty());
        body.put("User", r.user());
        body.put("WorkingDir", r.workingDir());
        ObjectNode host = body.putObject("HostConfig");
        if (!r.networkMode().isEmpty()) {
            host.put("NetworkMode", r.networkMode());
        }
        if (r.memoryBytes() > 0) {
            host.put("Memory", r.memoryBytes());
        }
        host.put("AutoRemove", r.autoRemove());
        String path = "/containers/create"
                + (r.name().isEmpty() ? "" : "?name=" + PathSegments.object("container", r.name()));
        JsonNode created = json(calls.send(calls.call("POST", path).withJson(Json.bytes(body))));
        return Json.text(created, "Id");
    }

    void start(String id) {
        calls.send(calls.call("POST", path(id) + "/start"));
    }

    void stop(String id, Duration timeout) {
        calls.send(waitingUpTo(calls.call("POST", path(id) + "/stop?t=" + timeout.toSeconds()), timeout));
    }

    void kill(String id, String signal) {
        if (!signal.matches("[A-Z0-9+]{1,16}")) {
            throw new IllegalArgumentException("not a signal name or number: " + signal);
        }
        calls.send(calls.call("POST", path(id) + "/kill?signal=" + signal));
    }

    void restart(String id, Duration timeout) {
        calls.send(waitingUpTo(calls.call("POST", path(id) + "/restart?t=" + timeout.toSeconds()), timeout));
    }

    void remove(String id, boolean force, boolean volumes) {
        calls.send(calls.call("DELETE", path(id) + "?force=" + (force ? 1 : 0) + "&v=" + (volumes ? 1 : 0)));
    }

    int await(String id, Duration timeout) {
        JsonNode r = json(calls.send(calls.call("POST", path(id) + "/wait")
                .withReadTimeout(timeout)
                .withDeadline(calls.callTimeout.plus(timeout))));
        return (int) Json.number(r, "StatusCode");
    }

    DockerStream<LogFrame> logs(String id, LogsRequest r) {
        String path = path(id);
        boolean tty = inspect(id).config().tty();
        StringJoiner q = query();
        q.add("stdout=" + (r.stdout() ? 1 : 0)).add("stderr=" + (r.stderr() ? 1 : 0));
        if (r.follow()) {
            q.add("follow=1");
        }
        if (r.timestamps()) {
            q.add("timestamps=1");
        }
        if (r.since() != null) {
            q.add("since=" + epoch(r.since()));
        }
        q.add("tail=" + (r.tail() < 0 ? "all" : Integer.toString(r.tail())));
        Call c = calls.call("GET", path + "/logs" + q);
        if (r.follow()) {
            c = c.withReadTimeout(Duration.ZERO);
        }
        StreamHandle h = calls.open(c, "logs of " + id);
        FrameDemultiplexer demux = new FrameDemultiplexer(h.body(), tty);
        return new DockerStream<>(calls.owner(), h, demux::next);
    }

    ExecResult readLogs(String id) {
        return capture(logs(id, LogsRequest.ALL), 0);
    }

    Stats stats(String id) {
        return Models.stats(json(calls.get(path(id) + "/stats?stream=false")));
    }

    DockerStream<Stats> statsStream(String id) {
        Call c = calls.call("GET", path(id) + "/stats?stream=true");
        return calls.jsonStream(calls.open(c, "stats of " + id), Models::stats);
    }

    /** Reads a frame stream to its end (and closes it) as text per source. */
    static ExecResult capture(DockerStream<LogFrame> frames, int exitCode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (DockerStream<LogFrame> s = frames) {
            for (LogFrame f : s) {
                (f.source() == LogFrame.Source.STDERR ? err : out).writeBytes(f.payload());
            }
        }
        return new ExecResult(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    // A call that makes the engine wait up to `timeout` gets that much longer to answer.
    private Call waitingUpTo(Call c, Duration timeout) {
        return c.withReadTimeout(calls.readTimeout.plus(timeout)).withDeadline(calls.callTimeout.plus(timeout));
    }

    private static String path(String id) {
        return "/containers/" + PathSegments.object("container", id);
    }
}
