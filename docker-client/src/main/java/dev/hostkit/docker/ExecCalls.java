package dev.hostkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.docker.internal.FrameDemultiplexer;
import dev.hostkit.docker.internal.Json;
import dev.hostkit.docker.internal.PathSegments;
import dev.hostkit.docker.internal.StreamHandle;

import java.time.Duration;

import static dev.hostkit.docker.EngineCalls.json;
import static dev.hostkit.docker.EngineCalls.strings;

// The exec endpoints behind DockerClient.exec: create the exec, attach to its output, read its exit code.
final class ExecCalls {
    private final EngineCalls calls;

    ExecCalls(EngineCalls calls) {
        this.calls = calls;
    }

    ExecResult exec(String containerId, ExecRequest r, Duration quietTimeout) {
        ObjectNode body = Json.object();
        body.put("AttachStdout", true).put("AttachStderr", true).put("Tty", false);
        strings(body.putArray("Cmd"), r.cmd());
        ArrayNode env = body.putArray("Env");
        r.env().forEach((k, v) -> env.add(k + "=" + v));
        if (!r.user().isEmpty()) {
            body.put("User", r.user());
        }
        if (!r.workingDir().isEmpty()) {
            body.put("WorkingDir", r.workingDir());
        }
        String execId = Json.text(
                json(calls.send(
                        calls.call("POST", "/containers/" + PathSegments.object("container", containerId) + "/exec")
                                .withJson(Json.bytes(body)))),
                "Id");
        String seg = PathSegments.object("exec", execId);
        ObjectNode start = Json.object().put("Detach", false).put("Tty", false);
        StreamHandle h = calls.open(
                calls.call("POST", "/exec/" + seg + "/start")
                        .withJson(Json.bytes(start))
                        .withReadTimeout(quietTimeout),
                "exec in " + containerId);
        ExecResult output = ContainerCalls.capture(
                new DockerStream<>(calls.owner(), h, new FrameDemultiplexer(h.body(), false)::next), 0);
        JsonNode info = json(calls.get("/exec/" + seg + "/json"));
        return new ExecResult((int) Json.number(info, "ExitCode"), output.stdout(), output.stderr());
    }
}
