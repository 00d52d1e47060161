package dev.hostkit.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.hostkit.docker.internal.HttpEngine;
import dev.hostkit.docker.internal.HttpEngine.Call;
import dev.hostkit.docker.internal.Json;
import dev.hostkit.docker.internal.MalformedResponseException;
import dev.hostkit.docker.internal.Models;
import dev.hostkit.docker.internal.PathSegments;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import static dev.hostkit.docker.EngineCalls.json;

// The /images endpoints behind DockerClient: request building and reply mapping; the facade documents them.
final class ImageCalls {
    private final EngineCalls calls;

    ImageCalls(EngineCalls calls) {
        this.calls = calls;
    }

    List<ImageSummary> list() {
        return EngineCalls.list(calls.send(calls.call("GET", "/images/json").asList()), Models::imageSummary);
    }

    ImageInspect inspect(String nameOrId) {
        return Models.imageInspect(json(calls.get("/images/" + PathSegments.image(nameOrId) + "/json")));
    }

    void remove(String nameOrId, boolean force) {
        calls.send(calls.call("DELETE", "/images/" + PathSegments.image(nameOrId) + "?force=" + (force ? 1 : 0)));
    }

    String importTar(InputStream tar, String repository, String tag) {
        PathSegments.image(repository + ":" + tag);
        Call base = calls.call(
                "POST",
                "/images/create?fromSrc=-&repo=" + PathSegments.encode(repository) + "&tag="
                        + PathSegments.encode(tag));
        // No total deadline: the upload takes as long as the caller's tar; each read waits at most the read timeout.
        Call c = base.withTar(Objects.requireNonNull(tar, "tar"))
                .withDeadline(Duration.ZERO)
                .asList();
        HttpEngine.Response r = calls.send(c);
        String id = "";
        try (MappingIterator<JsonNode> it =
                Json.MAPPER.readerFor(JsonNode.class).readValues(r.body())) {
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n.hasNonNull("error")) {
                    throw new DockerException(c.toString(), r.status(), Json.text(n, "error"), null);
                }
                String status = Json.text(n, "status");
                if (status.startsWith("sha256:")) {
                    id = status;
                }
            }
        } catch (IOException e) {
            throw new MalformedResponseException(c.toString(), "unreadable import progress: " + e.getMessage(), e);
        }
        if (id.isEmpty()) {
            throw new MalformedResponseException(c.toString(), "the engine reported no image id for the import", null);
        }
        return id;
    }
}
