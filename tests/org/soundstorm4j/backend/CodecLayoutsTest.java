package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The host-side layout helpers of the codec ops, on hand-computed values. */
class CodecLayoutsTest {

    @Test
    void convWeightPutsTapKOfInputChannelCiAtColumnKTimesCinPlusCi() {
        // w[co, ci, k] = 100 co + 10 ci + k, cout 2, cin 3, kernel 2
        float[] w = new float[12];
        for (int co = 0; co < 2; co++) {
            for (int ci = 0; ci < 3; ci++) {
                for (int k = 0; k < 2; k++) {
                    w[(co * 3 + ci) * 2 + k] = 100 * co + 10 * ci + k;
                }
            }
        }
        assertArrayEquals(new float[] {0, 10, 20, 1, 11, 21, 100, 110, 120, 101, 111, 121},
                CodecLayouts.convWeight(w, 2, 3, 2));
    }

    @Test
    void transposedConvWeightPutsTapKOfOutputChannelCoAtRowKTimesCoutPlusCo() {
        // w[ci, co, k] = 100 ci + 10 co + k, cin 2, cout 3, kernel 2 -> m [k*3 + co, ci]
        float[] w = new float[12];
        for (int ci = 0; ci < 2; ci++) {
            for (int co = 0; co < 3; co++) {
                for (int k = 0; k < 2; k++) {
                    w[(ci * 3 + co) * 2 + k] = 100 * ci + 10 * co + k;
                }
            }
        }
        assertArrayEquals(new float[] {0, 100, 10, 110, 20, 120, 1, 101, 11, 111, 21, 121},
                CodecLayouts.transposedConvWeight(w, 2, 3, 2));
    }

    @Test
    void layoutsRefuseAWrongLength() {
        assertThrows(IllegalArgumentException.class, () -> CodecLayouts.convWeight(new float[11], 2, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> CodecLayouts.transposedConvWeight(new float[13], 2, 3, 2));
    }

    @Test
    void checkCodesNamesLevelBatchFrameAndValue() {
        int[] codes = new int[2 * 3 * 5]; // [levels 2, batch 3, frames 5]
        CodecLayouts.checkCodes(codes, 2, 3, 5, 16);
        codes[(1 * 3 + 2) * 5 + 4] = 16;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodecLayouts.checkCodes(codes, 2, 3, 5, 16));
        assertEquals("code at level 1, batch 2, frame 4 is 16, outside the codebook [0, 16)", e.getMessage());
        codes[(1 * 3 + 2) * 5 + 4] = 0;
        codes[3] = -1;
        e = assertThrows(IllegalArgumentException.class, () -> CodecLayouts.checkCodes(codes, 2, 3, 5, 16));
        assertEquals("code at level 0, batch 0, frame 3 is -1, outside the codebook [0, 16)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CodecLayouts.checkCodes(codes, 2, 3, 4, 16));
    }

    @Test
    void convWindowComputesOutputFramesAndRefusesNonsense() {
        assertEquals(13, ConvWindow.same(7, 1, PadMode.REFLECT, false).outFrames(13));
        assertEquals(13, ConvWindow.same(3, 2, PadMode.REFLECT, false).outFrames(13));
        assertEquals(8, new ConvWindow(3, 1, 0, 0, PadMode.ZERO, false).outFrames(10));
        assertThrows(IllegalArgumentException.class, () -> new ConvWindow(0, 1, 0, 0, PadMode.ZERO, false));
        assertThrows(IllegalArgumentException.class, () -> new ConvWindow(3, 0, 0, 0, PadMode.ZERO, false));
        assertThrows(IllegalArgumentException.class, () -> new ConvWindow(3, 1, -1, 0, PadMode.ZERO, false));
        assertThrows(IllegalArgumentException.class, () -> ConvWindow.same(4, 1, PadMode.ZERO, false));
    }

    @Test
    void theOraclesReflectPaddingFollowsSpeechTokenizersShortInputRule() {
        // tests/resources/codec/README.md: pad 3 each side of T = 1, 2, 3, 4 frames (one channel)
        assertEquals("[0, 0, 0, 1, 0, 0, 0]", padded(1));
        assertEquals("[0, 0, 2, 1, 2, 0, 0, 0]", padded(2));
        assertEquals("[0, 3, 2, 1, 2, 3, 0, 3, 2]", padded(3));
        assertEquals("[4, 3, 2, 1, 2, 3, 4, 3, 2, 1]", padded(4));
    }

    private static String padded(int frames) {
        double[][] x = new double[frames][1];
        for (int t = 0; t < frames; t++) {
            x[t][0] = t + 1;
        }
        double[][] p = NaiveOps.pad1d(x, 3, 3, PadMode.REFLECT);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < p.length; i++) {
            sb.append(i == 0 ? "" : ", ").append((int) p[i][0]);
        }
        return sb.append(']').toString();
    }
}
