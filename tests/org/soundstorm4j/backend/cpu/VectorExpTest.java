package org.soundstorm4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.model.Checkpoint;
import org.soundstorm4j.model.Conformer;

class VectorExpTest {
    @Test
    void expIsAccurateOverTheRangeTheKernelsUse() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] x = new float[lanes];
        float[] y = new float[lanes];
        double worst = 0;
        for (float start = -87f; start < 88f; start += 0.0137f * lanes) {
            for (int i = 0; i < lanes; i++) {
                x[i] = start + 0.0137f * i;
            }
            VectorKernels.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(y, 0);
            for (int i = 0; i < lanes; i++) {
                double exact = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - exact) / exact);
            }
        }
        assertTrue(worst < 3e-7, "max relative error " + worst);
    }

    /** The first pass (partly interpreted) and a pass after the JIT has compiled everything agree bit for bit. */
    @Test
    void aForwardPassIsExactlyRepeatable() {
        var d = java.nio.file.Path.of("tests/resources/golden/public_small");
        try (Checkpoint ckpt = Checkpoint.open(d); Backend backend = new CpuBackend(2, VectorKernelsLoader.load())) {
            Conformer model = new Conformer(ckpt, backend);
            int frames = 40;
            int[] tokens = new int[2 * frames * 4];
            java.util.Arrays.fill(tokens, 64);
            int[] semantic = new int[2 * frames];
            for (int i = 0; i < semantic.length; i++) {
                semantic[i] = (i * 7) % 50;
            }
            int[] lengths = {40, 27};
            float[] first = model.logits(tokens, semantic, lengths, 2, frames, 0);
            float[] later = null;
            for (int i = 0; i < 300; i++) {
                later = model.logits(tokens, semantic, lengths, 2, frames, 0);
            }
            assertArrayEquals(first, later);
        }
    }
}
