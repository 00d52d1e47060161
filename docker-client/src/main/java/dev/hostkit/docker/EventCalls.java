package dev.hostkit.docker;

import dev.hostkit.docker.internal.HttpEngine;
import dev.hostkit.docker.internal.HttpEngine.Call;
import dev.hostkit.docker.internal.Json;
import dev.hostkit.docker.internal.MalformedResponseException;
import dev.hostkit.docker.internal.Models;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.StringJoiner;

import static dev.hostkit.docker.EngineCalls.addFilters;
import static dev.hostkit.docker.EngineCalls.epoch;
import static dev.hostkit.docker.EngineCalls.json;
import static dev.hostkit.docker.EngineCalls.query;

// The /events endpoint behind DockerClient, and the engine's clock that event windows are measured on.
final class EventCalls {
    private final EngineCalls calls;

    EventCalls(EngineCalls calls) {
        this.calls = calls;
    }

    DockerStream<Event> events(EventsRequest r) {
        StringJoiner q = query();
        if (r.since() != null) {
            q.add("since=" + epoch(r.since()));
        }
        if (r.until() != null) {
            q.add("until=" + epoch(r.until()));
        }
        addFilters(q, r.filters());
        Call c = calls.call("GET", "/events" + q).withReadTimeout(Duration.ZERO);
        return calls.jsonStream(calls.open(c, "events"), Models::event);
    }

    Instant engineTime() {
        HttpEngine.Response r = calls.get("/info");
        String t = Json.text(json(r), "SystemTime");
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            throw new MalformedResponseException(r.call(), "SystemTime '" + t + "' is not an RFC 3339 time", e);
        }
    }
}
