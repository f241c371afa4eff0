package org.soundstorm4j.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.backend.cpu.CpuBackend;

/** Bad codes are refused before any work, naming what is wrong, and leave the codec usable. */
class CodecBadInputTest {
    private static Codec codec;
    private static int[][][] codes;

    @BeforeAll
    static void open() {
        codec = Codec.load(CodecContract.resource("small"), new CpuBackend(2));
        codes = CodecContract.codes(CodecContract.resource("small").resolve("case_b2_t13_all.codes.npy"));
    }

    @AfterAll
    static void close() {
        codec.close();
    }

    private static int[][][] copy() {
        int[][][] c = new int[codes.length][][];
        for (int q = 0; q < c.length; q++) {
            c[q] = new int[codes[q].length][];
            for (int b = 0; b < c[q].length; b++) {
                c[q][b] = codes[q][b].clone();
            }
        }
        return c;
    }

    private static void refused(int[][][] bad, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.decode(bad));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        AtomicInteger chunks = new AtomicInteger();
        e = assertThrows(IllegalArgumentException.class, () -> codec.decode(bad, 2, (r, o, s) -> chunks.incrementAndGet()));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(0, chunks.get(), "no chunk before the refusal");
    }

    @Test
    void anIdOutsideTheCodebookIsNamed() {
        int[][][] bad = copy();
        bad[3][1][12] = 16;
        refused(bad, "code at level 3, batch 1, frame 12 is 16, outside the codebook [0, 16)");
        bad[3][1][12] = -1;
        refused(bad, "code at level 3, batch 1, frame 12 is -1");
    }

    @Test
    void theLevelCountAndShapeAreChecked() {
        refused(new int[0][][], "no levels");
        int[][][] nine = new int[9][][];
        for (int q = 0; q < 9; q++) {
            nine[q] = copy()[0];
        }
        refused(nine, "9 levels, more than n_q 8");
        int[][][] ragged = copy();
        ragged[2][1] = new int[12];
        refused(ragged, "level 2, row 1 has 12 frames, level 0 row 0 has 13");
        int[][][] rows = copy();
        rows[5] = new int[][] {rows[5][0]};
        refused(rows, "level 5 has 1 rows, level 0 has 2");
        refused(new int[][][] {{{}}}, "level 0, row 0 has no frames");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.decode(codes, 0, (r, o, s) -> { }));
        assertTrue(e.getMessage().contains("chunkFrames must be at least 1, got 0"), e.getMessage());
    }

    @Test
    void aRefusalLeavesTheCodecUsable() {
        float[][] before = codec.decode(codes);
        int[][][] bad = copy();
        bad[0][0][0] = 99;
        assertThrows(IllegalArgumentException.class, () -> codec.decode(bad));
        float[][] after = codec.decode(codes);
        for (int r = 0; r < before.length; r++) {
            assertArrayEquals(before[r], after[r]);
        }
    }

    @Test
    void aClosedCodecRefusesWork() {
        Codec other = Codec.load(CodecContract.resource("small"), new CpuBackend(1));
        other.close();
        other.close();
        assertThrows(IllegalStateException.class, () -> other.decode(codes));
    }
}
