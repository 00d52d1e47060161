package dev.hostkit.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the engine's {@code filters} parameter ({@code {"label":["a=b"],"status":["running"]}}). */
final class Filters {
    private final Map<String, List<String>> map = new LinkedHashMap<>();

    void add(String key, String value) {
        if (key == null || key.isBlank() || value == null) {
            throw new IllegalArgumentException("a filter needs a key and a value, got " + key + "=" + value);
        }
        map.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    Map<String, List<String>> toMap() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(copy);
    }
}
