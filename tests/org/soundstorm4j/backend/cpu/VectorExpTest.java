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

    /**
     * ELU against Math.expm1, per element and relative to the result, from -90 to 1 (the series near
     * 0, its bound at -0.5, exp(x) - 1 beyond, the clamp), at an odd length (a masked last vector)
     * and offsets; and an element's bits do not depend on where in the array it stands.
     */
    @Test
    void eluIsAccurateNearZeroAndBeyondAndTheSameAtAnyPosition() {
        VectorKernels k = (VectorKernels) VectorKernelsLoader.load();
        java.util.List<Float> values = new java.util.ArrayList<>();
        for (float v = -90f; v < 1f; v += 0.00731f) {
            values.add(v);
        }
        for (float tiny : new float[] {-1e-7f, -1e-5f, -1e-3f, -0.4999999f, -0.5f, -0.5000001f, 0f, -0f, 1e-4f}) {
            values.add(tiny);
        }
        int n = values.size() | 1;
        float[] x = new float[n + 3];
        for (int i = 0; i < values.size(); i++) {
            x[3 + i] = values.get(i);
        }
        float[] y = new float[n + 5];
        java.util.Arrays.fill(y, Float.NaN);
        k.elu(x, 3, y, 5, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double v = x[3 + i];
            double exact = v > 0 ? v : Math.expm1(v);
            double err = Math.abs(y[5 + i] - exact) / Math.max(Math.abs(exact), 1e-30);
            if (exact == 0) {
                err = Math.abs(y[5 + i]);
            }
            worst = Math.max(worst, err);
        }
        assertTrue(worst < 1e-6, "max relative error " + worst);
        for (int shift = 1; shift < 9; shift++) {
            float[] moved = new float[n + shift];
            System.arraycopy(x, 3, moved, shift, n);
            float[] out = new float[n];
            k.elu(moved, shift, out, 0, n);
            assertArrayEquals(java.util.Arrays.copyOfRange(y, 5, 5 + n), out, "shifted by " + shift);
        }
    }

    /**
     * The LSTM cell's sigmoid and tanh against Math's in double, from -100 to 100 and near 0, on
     * an odd unit count (a masked last vector): c and h within 2e-7 absolute of the exact update
     * (both are bounded by the gates, so absolute is what reaches the waveform).
     */
    @Test
    void lstmCellIsAccurateOverEveryPreActivation() {
        VectorKernels k = (VectorKernels) VectorKernelsLoader.load();
        java.util.List<Float> values = new java.util.ArrayList<>();
        for (float v = -100f; v < 100f; v += 0.00917f) {
            values.add(v);
        }
        for (float tiny : new float[] {-1e-7f, 1e-7f, -1e-4f, 1e-4f, 0.2499f, 0.25f, 0.2501f, 0f}) {
            values.add(tiny);
        }
        int n = values.size() | 1;
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        float[] rec = new float[4 * n];
        float[] in = new float[4 * n];
        float[] c = new float[n];
        for (int gate = 0; gate < 4; gate++) {
            for (int j = 0; j < n; j++) {
                float v = values.get((j * (gate + 1) * 7919) % values.size());
                in[gate * n + j] = (float) random.nextDouble(-0.5, 0.5);
                rec[gate * n + j] = v - in[gate * n + j];
            }
        }
        for (int j = 0; j < n; j++) {
            c[j] = (float) random.nextDouble(-3, 3);
        }
        float[] c0 = c.clone();
        float[] h = new float[n];
        java.util.Arrays.fill(h, Float.NaN);
        k.lstmCell(rec, 0, n, in, 0, n, c, 0, h, 0, n);
        double worstC = 0;
        double worstH = 0;
        for (int j = 0; j < n; j++) {
            double[] a = new double[4];
            for (int gate = 0; gate < 4; gate++) {
                a[gate] = (double) rec[gate * n + j] + in[gate * n + j];
            }
            double cell = sigmoid(a[1]) * c0[j] + sigmoid(a[0]) * Math.tanh(a[2]);
            worstC = Math.max(worstC, Math.abs(c[j] - cell));
            worstH = Math.max(worstH, Math.abs(h[j] - sigmoid(a[3]) * Math.tanh(c[j])));
        }
        assertTrue(worstC < 2e-6, "max error of c " + worstC); // |c| up to 4: a few ulps
        assertTrue(worstH < 2e-7, "max error of h " + worstH);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
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
