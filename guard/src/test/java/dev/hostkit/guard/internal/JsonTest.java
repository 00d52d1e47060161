package dev.hostkit.guard.internal;

import dev.hostkit.guard.internal.Json.JsonException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    @Test
    void roundTripsEveryAcceptedType() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\t\u0001é✓");
        m.put("n", -9_223_372_036_854_775_808L);
        m.put("max", Long.MAX_VALUE);
        m.put("t", true);
        m.put("f", false);
        m.put("z", null);
        m.put("l", List.of(1L, "x", List.of(), Map.of()));
        String text = Json.write(m);
        assertThat(Json.parse(text)).isEqualTo(m);
        assertThat(Json.parse(" \n" + text + "\r\n\t ")).isEqualTo(m);
    }

    @Test
    void writesIntegersAndEscapesControlCharacters() {
        assertThat(Json.write(Map.of("a", 5))).isEqualTo("{\"a\":5}");
        assertThat(Json.write("\u0000\u2028")).isEqualTo("\"\\u0000\\u2028\"");
    }

    @Test
    void refusesTypesOutsideTheSchema() {
        assertThatThrownBy(() -> Json.write(1.5)).isInstanceOf(IllegalArgumentException.class);
        Map<Object, Object> badKey = new LinkedHashMap<>();
        badKey.put(1, 2);
        assertThatThrownBy(() -> Json.write(badKey)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodesEscapes() {
        assertThat(Json.parse("\"\\u00e9\\/\\b\\f\\r\"")).isEqualTo("é/\b\f\r");
    }

    @Test
    void rejectsMalformedDocumentsWithTheOffset() {
        for (String bad : List.of("", " ", "{", "}", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "\"abc", "\"\\x\"",
                "\"\\u12\"", "\"\\u12G4\"", "01", "-", "1.5", "1e3", "99999999999999999999", "9223372036854775808", "tru",
                "nul", "{\"a\":1}x", "[1]]", "\"a\u0001\"", "{\"a\":1,\"a\":2}", "+1", "'a'", "NaN")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(JsonException.class);
        }
        assertThatThrownBy(() -> Json.parse("[1, x]")).isInstanceOf(JsonException.class).hasMessageContaining("offset 4");
    }

    @Test
    void boundsNestingAndSize() {
        String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
        assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(JsonException.class).hasMessageContaining("nesting");
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThat(Json.parse(ok)).isInstanceOf(List.class);
        String huge = "\"" + "a".repeat(Json.MAX_LENGTH) + "\"";
        assertThatThrownBy(() -> Json.parse(huge)).isInstanceOf(JsonException.class).hasMessageContaining("limit");
        String deepObjects = "{\"a\":".repeat(100_000);
        assertThatThrownBy(() -> Json.parse(deepObjects)).isInstanceOf(JsonException.class);
    }

    @Test
    void randomGarbageAndTruncationsOnlyEverGiveTheTypedError() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 1L);
        doc.put("list", List.of(Map.of("k", "v", "n", 42L), "x", true));
        String good = Json.write(doc);
        Random r = new Random(4242);
        char[] alphabet = "{}[]\",:\\ut0123456789-.eE aznl\u0000é".toCharArray();
        for (int i = 0; i < 200_000; i++) {
            String text;
            if (i % 3 == 0) {
                text = good.substring(0, r.nextInt(good.length() + 1));
            } else if (i % 3 == 1) {
                char[] c = good.toCharArray();
                for (int k = 0; k < 1 + r.nextInt(3); k++) {
                    c[r.nextInt(c.length)] = alphabet[r.nextInt(alphabet.length)];
                }
                text = new String(c);
            } else {
                char[] c = new char[r.nextInt(40)];
                for (int k = 0; k < c.length; k++) {
                    c[k] = alphabet[r.nextInt(alphabet.length)];
                }
                text = new String(c);
            }
            try {
                Object v = Json.parse(text);
                // Whatever parses must write back to something that parses to the same value.
                assertThat(Json.parse(Json.write(v))).isEqualTo(v);
            } catch (JsonException expected) {
                // the typed error is the only acceptable failure
            }
        }
        List<Object> nested = new ArrayList<>(Arrays.asList(1L, 2L));
        assertThat(Json.parse(Json.write(nested))).isEqualTo(nested);
    }
}
