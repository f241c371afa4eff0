package org.soundstorm4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesEveryValueKind() {
        Object parsed = Json.parse(" {\"a\": [1, -2.5, 3e2, true, false, null], \"b\": {\"c\": \"x\\n\\u00e9\\/\"}} ");
        Map<?, ?> map = assertInstanceOf(LinkedHashMap.class, parsed);
        List<?> a = assertInstanceOf(ArrayList.class, map.get("a"));
        assertEquals(1L, a.get(0));
        assertEquals(-2.5, a.get(1));
        assertEquals(300.0, a.get(2));
        assertEquals(Boolean.TRUE, a.get(3));
        assertEquals(Boolean.FALSE, a.get(4));
        assertNull(a.get(5));
        assertEquals(Map.of("c", "x\né/"), map.get("b"));
    }

    @Test
    void integersBecomeLongAndOthersDouble() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9223372036854775808.0, Json.parse("9223372036854775808"));
        assertEquals(0L, Json.parse("0"));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(1.0, Json.parse("1.0"));
        assertEquals(1e-5, Json.parse("1E-5"));
    }

    @Test
    void keepsKeyOrder() {
        Map<?, ?> map = (Map<?, ?>) Json.parse("{\"z\":1,\"a\":2,\"m\":3}");
        assertEquals(List.of("z", "a", "m"), new ArrayList<>(map.keySet()));
    }

    @Test
    void roundTripsThroughWrite() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("tab\there", "quote\" back\\slash \u0001 ctl");
        inner.put("empty list", List.of());
        inner.put("empty map", Map.of());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("z", 1L);
        doc.put("a", Arrays.asList(1.5, -7L, true, null, "s"));
        doc.put("inner", inner);
        doc.put("big", 1.0e300);
        String text = Json.write(doc);
        assertEquals(doc, Json.parse(text));
        assertEquals(text, Json.write(Json.parse(text)));
    }

    @Test
    void writesPrettyWithTwoSpaces() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("b", List.of(1, 2.5f));
        doc.put("a", Map.of("k", "v"));
        String expected = """
                {
                  "b": [
                    1,
                    2.5
                  ],
                  "a": {
                    "k": "v"
                  }
                }""";
        assertEquals(expected, Json.write(doc));
    }

    @Test
    void writeRefusesWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}",
        "{\"a\":1,\"a\":2}", "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN",
        "Infinity", "1e400", "tru", "nul", "True", "\"abc", "\"a\\x\"", "\"\\u12g4\"", "\"\\u12\"",
        "\"tab\there\"", "\"new\nline\"", "1 2", "{} x", "[1] ]", "\"a\"\"b\"", "[1 2]", "\u00a01",
        "{\"a\":}", "[\"\\\"]",
    })
    void rejectsMalformed(String text) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertTrue(e.offset() >= 0 && e.offset() <= text.length(), "offset " + e.offset());
        assertTrue(e.getMessage().contains("offset " + e.offset()), e.getMessage());
    }

    @Test
    void reportsTheOffsetOfTheProblem() {
        assertEquals(6, assertThrows(JsonException.class, () -> Json.parse("[1, 2 x]")).offset());
        assertEquals(8, assertThrows(JsonException.class, () -> Json.parse("{\"a\":1, \"a\":2}")).offset());
        assertEquals(2, assertThrows(JsonException.class, () -> Json.parse("[01]")).offset());
    }

    @Test
    void refusesAbsurdNesting() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThrows(JsonException.class, () -> Json.parse(deep));
    }
}
