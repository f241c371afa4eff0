package org.soundstorm4j.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.cpu.CpuBackend;

/** Forward-pass inputs are checked before anything runs, and a refusal leaves the model usable. */
class InputCheckTest {
    private static Checkpoint checkpoint;
    private static Backend backend;
    private static Conformer model;
    private static final int FRAMES = 6;

    @BeforeAll
    static void load() {
        checkpoint = Checkpoint.open(GoldenLogitsTest.dir("public_small"));
        backend = new CpuBackend();
        model = new Conformer(checkpoint, backend);
    }

    @AfterAll
    static void close() {
        backend.close();
        checkpoint.close();
    }

    private static int[] tokens() {
        int[] t = new int[FRAMES * 4];
        Arrays.fill(t, 64);
        return t;
    }

    private static int[] semantic() {
        return new int[FRAMES];
    }

    private static String refusal(int[] tokens, int[] semantic, int[] lengths, int level) {
        return assertThrows(IllegalArgumentException.class,
                () -> model.logits(tokens, semantic, lengths, 1, FRAMES, level)).getMessage();
    }

    @Test
    void acousticIdAboveTheMaskIdIsNamedWithItsPosition() {
        int[] t = tokens();
        t[3 * 4 + 2] = 65;
        String m = refusal(t, semantic(), new int[] {FRAMES}, 0);
        assertTrue(m.contains("acoustic id 65 at [0, 3, 2] out of range [0, 64]"), m);
    }

    @Test
    void negativeAndTooLargeSemanticIdsAreRejected() {
        int[] s = semantic();
        s[5] = 50;
        assertTrue(refusal(tokens(), s, new int[] {FRAMES}, 0).contains("semantic id 50 at [0, 5] out of range [0, 50)"));
        s[5] = -1;
        assertTrue(refusal(tokens(), s, new int[] {FRAMES}, 0).contains("semantic id -1"));
    }

    @Test
    void idsInPaddingAreNotChecked() {
        int[] t = tokens();
        t[5 * 4] = 9999;
        int[] s = semantic();
        s[5] = -7;
        model.logits(t, s, new int[] {5}, 1, FRAMES, 0);
    }

    @Test
    void badLengthsLevelsAndSizesAreRejected() {
        assertTrue(refusal(tokens(), semantic(), new int[] {0}, 0).contains("lengths[0] = 0 out of range [1, 6]"));
        assertTrue(refusal(tokens(), semantic(), new int[] {7}, 0).contains("lengths[0] = 7"));
        assertTrue(refusal(tokens(), semantic(), new int[] {FRAMES}, 4).contains("level 4 out of range [0, 4)"));
        assertTrue(refusal(new int[5], semantic(), new int[] {FRAMES}, 0).contains("tokens must hold 24 ids"));
        assertTrue(refusal(tokens(), new int[2], new int[] {FRAMES}, 0).contains("semantic must hold 6 ids"));
    }

    @Test
    void theModelStillWorksAfterARefusal() {
        refusal(tokens(), semantic(), new int[] {0}, 0);
        float[] logits = model.logits(tokens(), semantic(), new int[] {FRAMES}, 1, FRAMES, 1);
        assertTrue(Float.isFinite(logits[0]) && logits.length == FRAMES * 64);
    }
}
