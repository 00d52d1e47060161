package dev.hostkit.docker;

import java.util.Map;

/**
 * One engine event from {@code GET /events}: what happened to which object, and when.
 * Immutable.
 *
 * @param type {@code container}, {@code image}, {@code network}, ...
 * @param action {@code create}, {@code start}, {@code die}, ...
 * @param actorId the object's id
 * @param attributes the actor's attributes (name, image, labels, exit code, ...)
 * @param timeNanos when, in nanoseconds since the epoch
 */
public record Event(String type, String action, String actorId, Map<String, String> attributes, long timeNanos) {}
