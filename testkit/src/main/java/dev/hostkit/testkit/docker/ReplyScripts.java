package dev.hostkit.testkit.docker;

import dev.hostkit.testkit.docker.FakeDockerEngine.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

// What the fake engine answers: the scripts a test registered (newest first, each path with or without a version
// prefix, {name} segments), the built-in ping, and the reply for everything else.
final class ReplyScripts {
    static final Pattern VERSION_PREFIX = Pattern.compile("^/v\\d+\\.\\d+(?=/)");
    // A path parameter in a script: a whole segment, {name}.
    private static final Pattern PATH_PARAMETER = Pattern.compile("(?<=/)\\{[A-Za-z][A-Za-z0-9_]*}(?=/|$)");

    private record Script(String method, Pattern path, boolean versioned, List<Reply> replies, AtomicInteger served) {
        boolean matches(String m, String p) {
            if (!method.equals("*") && !method.equals(m)) {
                return false;
            }
            return path.matcher(p).matches()
                    || (!versioned
                            && path.matcher(VERSION_PREFIX.matcher(p).replaceFirst(""))
                                    .matches());
        }

        Reply next() {
            int i = served.getAndIncrement();
            return replies.get(Math.min(i, replies.size() - 1));
        }
    }

    private final List<Script> scripts = new CopyOnWriteArrayList<>();
    private volatile Reply otherwise = Reply.error(404, "page not found");

    void add(String method, String path, Reply first, Reply... then) {
        if (method == null || !(method.equals("*") || method.matches("[A-Z]+"))) {
            throw new IllegalArgumentException("not an HTTP method (upper case) or *: '" + method + "'");
        }
        if (path == null || !path.startsWith("/") || path.contains("?")) {
            throw new IllegalArgumentException("not a path without a query, starting with '/': '" + path + "'");
        }
        Pattern pattern = pathPattern(path);
        List<Reply> replies = new ArrayList<>();
        replies.add(Objects.requireNonNull(first, "first"));
        for (Reply r : then) {
            replies.add(Objects.requireNonNull(r, "then"));
        }
        scripts.add(
                0,
                new Script(
                        method,
                        pattern,
                        VERSION_PREFIX.matcher(path).find(),
                        List.copyOf(replies),
                        new AtomicInteger()));
    }

    void otherwise(Reply reply) {
        this.otherwise = Objects.requireNonNull(reply, "reply");
    }

    Reply replyTo(Request req) {
        for (Script s : scripts) {
            if (s.matches(req.method(), req.path())) {
                return s.next();
            }
        }
        if ((req.method().equals("GET") || req.method().equals("HEAD"))
                && VERSION_PREFIX.matcher(req.path()).replaceFirst("").equals("/_ping")) {
            return Reply.ping();
        }
        return otherwise;
    }

    // "/containers/{id}/json" -> \Q/containers/\E[^/]+\Q/json\E: each {name} is one whole, non-empty segment.
    private static Pattern pathPattern(String path) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PATH_PARAMETER.matcher(path);
        int literalFrom = 0;
        while (true) {
            boolean found = m.find();
            String literal = path.substring(literalFrom, found ? m.start() : path.length());
            if (literal.contains("{") || literal.contains("}")) {
                throw new IllegalArgumentException("a path parameter is a whole segment named like {id}, as in "
                        + "/containers/{id}/json: '" + path + "'");
            }
            regex.append(Pattern.quote(literal));
            if (!found) {
                return Pattern.compile(regex.toString());
            }
            regex.append("[^/]+");
            literalFrom = m.end();
        }
    }
}
