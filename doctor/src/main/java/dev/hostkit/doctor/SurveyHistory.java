package dev.hostkit.doctor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostkit.core.AtomicFiles;
import dev.hostkit.core.ProcessInfo;
import dev.hostkit.netlink.UnixSocketClients.ClientProcess;
import dev.hostkit.netlink.UnixSocketClients.Survey;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The previous Docker socket survey, kept in a small JSON file between doctor runs: per process its connection
 * count and its oldest connection's inode with when that inode was first seen. A file that is missing gives nothing;
 * one that is not what this class writes (corrupt, hostile, huge, a symlink) is refused with the field named.
 */
final class SurveyHistory {
    static final int VERSION = 1;
    static final int MAX_BYTES = 1 << 20;
    static final int MAX_CLIENTS = 10_000;
    /** The kernel's highest pid_max (PID_MAX_LIMIT on 64-bit). */
    static final int PID_MAX_LIMIT = 4_194_304;

    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private SurveyHistory() {}

    /**
     * A process's oldest connection and when it was first seen.
     *
     * @param pid the process
     * @param startTicks its start time (so a reused pid is another process)
     * @param oldestInode its lowest client socket inode
     * @param since when a survey first saw that inode held by it
     */
    record Seen(int pid, long startTicks, long oldestInode, Instant since) {}

    /**
     * What the file held.
     *
     * @param survey the previous survey (processes with pid, start time, comm and count; no listeners)
     * @param seen per process, its oldest connection's first sight
     */
    record Previous(Survey survey, List<Seen> seen) {
        /** When {@code c}'s oldest connection was first seen: an earlier survey's time, or {@code now}. */
        Instant oldestSince(ClientProcess c, Instant now) {
            for (Seen s : seen) {
                if (s.pid() == c.process().pid()
                        && s.startTicks() == c.process().startTicks()
                        && s.oldestInode() == c.oldestInode()) {
                    return s.since().isBefore(now) ? s.since() : now;
                }
            }
            return now;
        }
    }

    /**
     * Reads the file kept for {@code socket}.
     *
     * @return the previous survey, or empty when there is no file yet
     * @throws IllegalArgumentException saying what is wrong with the file (the caller ignores it)
     * @throws IOException when it cannot be read
     */
    static Optional<Previous> read(Path file, Path socket, Instant now) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!a.isRegularFile()) {
            throw new IllegalArgumentException("not a regular file");
        }
        if (a.size() > MAX_BYTES) {
            throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        return Optional.ofNullable(parse(root, socket, now));
    }

    /** The previous survey in {@code root}, or null when it was taken of another socket. */
    static Previous parse(JsonNode root, Path socket, Instant now) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        long version = number(root, "version", 1, Integer.MAX_VALUE);
        if (version != VERSION) {
            throw new IllegalArgumentException("version " + version + ", this doctor reads " + VERSION);
        }
        String path = text(root, "socket", 4096);
        if (!path.equals(socket.toString())) {
            return null; // another socket's survey: nothing to compare with
        }
        Instant takenAt = instant(root, "takenAt", now);
        JsonNode clients = root.get("clients");
        if (clients == null || !clients.isArray()) {
            throw new IllegalArgumentException("clients: not a list");
        }
        if (clients.size() > MAX_CLIENTS) {
            throw new IllegalArgumentException("clients: " + clients.size() + " entries, at most " + MAX_CLIENTS);
        }
        List<ClientProcess> list = new ArrayList<>(clients.size());
        List<Seen> seen = new ArrayList<>(clients.size());
        int total = 0;
        for (int i = 0; i < clients.size(); i++) {
            JsonNode c = clients.get(i);
            String where = "clients[" + i + "].";
            if (!c.isObject()) {
                throw new IllegalArgumentException(where + ": not an object");
            }
            int pid = (int) number(c, "pid", 1, PID_MAX_LIMIT, where);
            long start = number(c, "startTicks", 0, Long.MAX_VALUE, where);
            String comm = text(c, "comm", 64, where);
            int connections = (int) number(c, "connections", 0, Integer.MAX_VALUE, where);
            long oldest = number(c, "oldestInode", 0, Long.MAX_VALUE, where);
            Instant since = instant(c, "oldestSince", now, where);
            total += connections;
            list.add(new ClientProcess(
                    new ProcessInfo(pid, start, comm, List.of(), ""), connections, 0, oldest, false, false));
            seen.add(new Seen(pid, start, oldest, since));
        }
        return new Previous(new Survey(socket, takenAt, List.of(), List.of(), total, list, 0), seen);
    }

    /** The file's content for {@code survey}, carrying first sights over from {@code previous} (may be null). */
    static String toJson(Survey survey, Previous previous) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        root.put("socket", survey.socketPath().toString());
        root.put("takenAt", survey.takenAt().toString());
        ArrayNode clients = root.putArray("clients");
        for (ClientProcess c : survey.clients()
                .subList(0, Math.min(MAX_CLIENTS, survey.clients().size()))) {
            Instant since = previous == null ? survey.takenAt() : previous.oldestSince(c, survey.takenAt());
            clients.addObject()
                    .put("pid", c.process().pid())
                    .put("startTicks", c.process().startTicks())
                    .put("comm", c.process().comm())
                    .put("connections", c.connections())
                    .put("oldestInode", c.oldestInode())
                    .put("oldestSince", since.toString());
        }
        return root.toString() + "\n";
    }

    /** Replaces the file atomically (temp file, fsync, rename). */
    static void write(Path file, Survey survey, Previous previous) throws IOException {
        AtomicFiles.write(file, toJson(survey, previous));
    }

    private static long number(JsonNode n, String field, long min, long max) {
        return number(n, field, min, max, "");
    }

    private static long number(JsonNode n, String field, long min, long max, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(where + field + ": not a whole number");
        }
        long x = v.asLong();
        if (x < min || x > max) {
            throw new IllegalArgumentException(where + field + ": " + x + " is outside " + min + ".." + max);
        }
        return x;
    }

    private static String text(JsonNode n, String field, int maxLength) {
        return text(n, field, maxLength, "");
    }

    private static String text(JsonNode n, String field, int maxLength, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(where + field + ": not a string");
        }
        if (v.asText().length() > maxLength) {
            throw new IllegalArgumentException(where + field + ": longer than " + maxLength + " characters");
        }
        return v.asText();
    }

    private static Instant instant(JsonNode n, String field, Instant now) {
        return instant(n, field, now, "");
    }

    private static Instant instant(JsonNode n, String field, Instant now, String where) {
        String s = text(n, field, 64, where);
        Instant t;
        try {
            t = Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(where + field + ": not an ISO-8601 instant");
        }
        if (t.isAfter(now.plus(CLOCK_SKEW))) {
            throw new IllegalArgumentException(where + field + ": " + t + " is in the future");
        }
        return t;
    }
}
