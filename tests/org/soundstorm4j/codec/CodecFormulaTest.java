package org.soundstorm4j.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.io.Json;

/**
 * The fill formula ({@link FormulaTensors}) against {@code released/formula_check.json}: first
 * values, last value and key hash exactly; every decode tensor's shape exactly and its float64
 * sums to summation-order rounding. The released-shapes waveform test is only as good as this.
 */
class CodecFormulaTest {
    private static Map<?, ?> check() throws Exception {
        return (Map<?, ?>) Json.parse(Files.readString(CodecContract.resource("released").resolve("formula_check.json")));
    }

    @Test
    void firstAndLastValuesAndHashesMatchExactly() throws Exception {
        Map<?, ?> first = (Map<?, ?>) check().get("first_values");
        assertEquals(5, first.size());
        for (Map.Entry<?, ?> e : first.entrySet()) {
            String name = (String) e.getKey();
            Map<?, ?> f = (Map<?, ?>) e.getValue();
            assertEquals(Long.parseUnsignedLong(((String) f.get("fnv1a64")).substring(2), 16),
                    FormulaTensors.fnv1a64(name), name + ": FNV-1a 64");
            long seed = FormulaTensors.fnv1a64(name);
            List<?> five = (List<?>) f.get("first5");
            for (int i = 0; i < five.size(); i++) {
                assertEquals(((Number) five.get(i)).floatValue(), FormulaTensors.value(name, seed, i), 0f, name + "[" + i + "]");
                // the JSON holds the float32 value printed exactly as a double
                assertEquals(((Number) five.get(i)).doubleValue(), (double) FormulaTensors.value(name, seed, i), 0d);
            }
            long last = ((Number) f.get("last_index")).longValue();
            assertEquals(((Number) f.get("last")).doubleValue(), (double) FormulaTensors.value(name, seed, last), 0d,
                    name + " last");
        }
    }

    @Test
    void everyDecodeTensorHasTheListedShapeAndSums() throws Exception {
        Map<?, ?> tensors = (Map<?, ?>) check().get("tensors");
        CodecConfig config = CodecContract.releasedConfig();
        Map<String, long[]> expected = CodecTensors.expected(config);
        assertEquals(tensors.keySet(), expected.keySet(), "the decode's tensors");
        try (FormulaTensors t = new FormulaTensors(config)) {
            for (Map.Entry<?, ?> e : tensors.entrySet()) {
                String name = (String) e.getKey();
                Map<?, ?> m = (Map<?, ?>) e.getValue();
                long[] shape = ((List<?>) m.get("shape")).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
                assertArrayEquals(shape, expected.get(name), name + ": shape");
                float[] v = t.tensor(name).toFloats();
                double sum = 0;
                double abs = 0;
                for (float x : v) {
                    sum += x;
                    abs += Math.abs(x);
                }
                double s = ((Number) m.get("sum")).doubleValue();
                double a = ((Number) m.get("sum_abs")).doubleValue();
                // float64 sums of up to 2^23 values: only the order of addition may differ
                assertEquals(a, abs, 1e-9 * a, name + ": sum of |values|");
                assertEquals(s, sum, 1e-9 * a, name + ": sum");
            }
        }
    }
}
