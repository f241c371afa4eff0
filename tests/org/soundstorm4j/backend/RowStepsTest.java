package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The row-step tables' layout: the Java constants equal kernels/row_steps.h, and packing puts each field in place. */
class RowStepsTest {
    @Test
    void theKernelHeaderNamesTheSameOffsets() throws IOException {
        String header;
        try (InputStream in = RowStepsTest.class.getResourceAsStream("/kernels/row_steps.h")) {
            header = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, Integer> defines = new HashMap<>();
        Matcher m = Pattern.compile("#define (ROW_\\w+) \\(?(-?\\d+)\\)?").matcher(header);
        while (m.find()) {
            defines.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        Map<String, Integer> java = Map.of("ROW_INTS", RowSteps.INTS, "ROW_LEVEL", RowSteps.LEVEL,
                "ROW_ITERATION", RowSteps.ITERATION, "ROW_TOP_K", RowSteps.TOP_K, "ROW_STAY", RowSteps.STAY,
                "ROW_SEED_LOW", RowSteps.SEED_LOW, "ROW_SEED_HIGH", RowSteps.SEED_HIGH, "ROW_FLOATS", RowSteps.FLOATS,
                "ROW_INVERSE_TEMPERATURE", RowSteps.INVERSE_TEMPERATURE, "ROW_CHOICE_NOISE", RowSteps.CHOICE_NOISE);
        assertEquals(java.size() + 1, defines.size(), "defines in row_steps.h: " + defines);
        java.forEach((name, value) -> assertEquals(value, defines.get(name), name));
        assertEquals(RowSteps.IDLE, defines.get("ROW_IDLE"));
    }

    @Test
    void packingPutsEveryFieldOfEveryRowInPlace() {
        RowStep.Packed p = RowStep.pack(List.of(new RowStep(2, 5, 1.25f, 7, -0.5f, 0x1234_5678_9abc_def0L, 3),
                RowStep.idle()), 97, 64);
        assertArrayEquals(new int[] {2, 5, 7, 3, 0x9abc_def0, 0x1234_5678, -1, 0, 0, 0, 0, 0}, p.ints());
        assertArrayEquals(new float[] {1.25f, -0.5f, 1f, 0f}, p.floats());
    }

    @Test
    void packingRefusesATopKAboveTheLimitNamingTheRow() {
        List<RowStep> rows = List.of(RowStep.idle(), new RowStep(0, 0, 1f, 0, 0f, 0L, 1),
                new RowStep(1, 0, 1f, 65, 0f, 0L, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowStep.pack(rows, 97, 64));
        assertTrue(e.getMessage().startsWith("row 2: top-k 65"), e.getMessage());
        assertEquals(18, RowStep.pack(rows, 65, 64).ints().length, "top-k of the whole codebook truncates nothing");
        assertThrows(IllegalArgumentException.class, () -> new RowStep(-2, 0, 1f, 0, 0f, 0L, 0));
    }
}
