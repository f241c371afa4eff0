package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.soundstorm4j.backend.Arrays2.assertClose;
import static org.soundstorm4j.backend.Arrays2.poison;
import static org.soundstorm4j.backend.Arrays2.random;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every op of a {@link Backend} against {@link NaiveOps} (double precision) on fresh random data,
 * at tiny, odd and round sizes, with outputs poisoned (NaN) beforehand. A backend's test extends
 * this class and says how to make the backend; the codec ops' cases are inherited from
 * {@link CodecOpsContract}.
 */
public abstract class BackendOpsContract extends CodecOpsContract {
    private final SplittableRandom random = new SplittableRandom(20261124);

    @ParameterizedTest(name = "rows {0}, out {1}, in {2}, {3}")
    @CsvSource({"1,1,1,NONE", "7,13,5,SWISH", "6,32,16,NONE", "37,70,33,NONE", "100,129,64,SWISH",
            "250,512,96,NONE", "13,1025,17,NONE"})
    void linearMatchesNaive(int rows, int n, int k, Activation act) {
        float[] x = random(random, rows * k, 1);
        float[] w = random(random, n * k, 1);
        float[] bias = random(random, n, 1);
        Tensor out = backend.upload(poison(rows * n));
        backend.linear(backend.upload(x), backend.uploadMatrix(w, n, k), backend.upload(bias), act, out, rows);
        double[] expected = NaiveOps.linear(x, w, bias, rows, n, k);
        if (act == Activation.SWISH) {
            for (int i = 0; i < expected.length; i++) {
                expected[i] = NaiveOps.swish(expected[i]);
            }
        }
        assertClose("linear " + act, expected, read(out), TOL);
    }

    @ParameterizedTest(name = "rows {0}, out {1}, in {2}")
    @CsvSource({"1,3,2", "11,45,19", "61,64,128"})
    void linearAccumulateAddsScaledProductToOutput(int rows, int n, int k) {
        float[] x = random(random, rows * k, 1);
        float[] w = random(random, n * k, 1);
        float[] residual = random(random, rows * n, 1);
        Tensor out = backend.upload(residual);
        backend.linearAccumulate(backend.upload(x), backend.uploadMatrix(w, n, k), null, 0.5f, out, rows);
        double[] expected = NaiveOps.linear(x, w, null, rows, n, k);
        for (int i = 0; i < expected.length; i++) {
            expected[i] = residual[i] + 0.5 * expected[i];
        }
        assertClose("linearAccumulate", expected, read(out), TOL);
    }

    @ParameterizedTest(name = "rows {0}, dim {1}")
    @CsvSource({"1,1", "3,7", "17,64", "40,1000"})
    void layerNormMatchesNaive(int rows, int dim) {
        float[] x = random(random, rows * dim, 3);
        for (int j = 0; j < dim; j++) {
            x[j] += 5f; // a row with a large mean
        }
        float[] gamma = random(random, dim, 1);
        float[] beta = random(random, dim, 1);
        Tensor out = backend.upload(poison(rows * dim));
        backend.layerNorm(backend.upload(x), backend.upload(gamma), backend.upload(beta), out, rows, dim);
        assertClose("layerNorm", NaiveOps.layerNorm(x, gamma, beta, rows, dim, false), read(out), TOL);
    }

    @Test
    void layerNormWorksInPlace() {
        int rows = 5;
        int dim = 33;
        float[] x = random(random, rows * dim, 2);
        float[] gamma = random(random, dim, 1);
        float[] beta = random(random, dim, 1);
        Tensor t = backend.upload(x);
        backend.layerNorm(t, backend.upload(gamma), backend.upload(beta), t, rows, dim);
        assertClose("layerNorm in place", NaiveOps.layerNorm(x, gamma, beta, rows, dim, false), read(t), TOL);
    }

    @ParameterizedTest(name = "rows {0}, channels {1}")
    @CsvSource({"1,2", "9,31", "33,256"})
    void chanNormMatchesNaiveIncludingTheVarianceClamp(int rows, int channels) {
        float[] x = random(random, rows * channels, 2);
        for (int c = 0; c < channels; c++) {
            x[c] = 0.25f + 1e-4f * (c % 2); // variance ~2.5e-9, below the 1e-6 clamp
        }
        float[] gamma = random(random, channels, 1);
        Tensor out = backend.upload(poison(rows * channels));
        backend.chanNorm(backend.upload(x), backend.upload(gamma), out, rows, channels);
        assertClose("chanNorm", NaiveOps.layerNorm(x, gamma, null, rows, channels, true), read(out), TOL);
    }

    @ParameterizedTest(name = "rows {0}, channels {1}")
    @CsvSource({"1,1", "7,19", "32,128"})
    void gluMatchesNaive(int rows, int channels) {
        float[] x = random(random, rows * 2 * channels, 4);
        Tensor out = backend.upload(poison(rows * channels));
        backend.glu(backend.upload(x), out, rows, channels);
        assertClose("glu", NaiveOps.glu(x, rows, channels), read(out), TOL);
    }

    @ParameterizedTest(name = "frames {0}, channels {1}, kernel {2}, lengths {3} {4}")
    @CsvSource({"1,1,1,1,1", "9,5,31,9,4", "40,17,31,40,27", "23,8,6,23,20", "64,64,5,64,1"})
    void depthwiseConvSwishMatchesNaiveAndIgnoresPadding(int frames, int channels, int kernel, int len0, int len1) {
        int batch = 2;
        int[] lengths = {len0, len1};
        float[] x = random(random, batch * frames * channels, 2);
        float[] w = random(random, channels * kernel, 1);
        float[] bias = random(random, channels, 1);
        Tensor out = backend.upload(poison(batch * frames * channels));
        backend.depthwiseConvSwish(backend.upload(x), backend.upload(w), backend.upload(bias), ints(lengths), out,
                batch, frames, channels, kernel);
        assertClose("depthwiseConvSwish", NaiveOps.depthwiseConvSwish(x, w, bias, lengths, batch, frames, channels, kernel),
                read(out), TOL);
    }

    @ParameterizedTest(name = "batch {0}, frames {1}, heads {2} x {3}")
    @CsvSource({"1,1,1,2", "1,37,3,16", "2,50,2,64", "2,29,4,6", "1,130,2,128"})
    void attentionMatchesNaiveWithRotaryAndKeyMask(int batch, int frames, int heads, int dimHead) {
        AttentionShape shape = new AttentionShape(batch, frames, heads, dimHead);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = Math.max(1, frames - 11 * b);
        }
        float[] q = random(random, shape.rows() * shape.inner(), 2);
        float[] kv = random(random, shape.rows() * 2 * shape.inner(), 2);
        Tensor out = backend.upload(poison(shape.rows() * shape.inner()));
        backend.attention(backend.upload(q), backend.upload(kv), ints(lengths), shape, out);
        assertClose("attention", NaiveOps.attention(q, kv, lengths, shape), read(out), TOL);
    }

    @Test
    void attentionOfOneSequenceDoesNotDependOnItsPadding() {
        AttentionShape shape = new AttentionShape(1, 20, 2, 8);
        int[] lengths = {13};
        float[] q = random(random, shape.rows() * shape.inner(), 1);
        float[] kv = random(random, shape.rows() * 2 * shape.inner(), 1);
        Tensor out1 = backend.upload(poison(shape.rows() * shape.inner()));
        backend.attention(backend.upload(q), backend.upload(kv), ints(lengths), shape, out1);
        for (int i = 13 * 2 * shape.inner(); i < kv.length; i++) {
            kv[i] = 1e6f;
        }
        Tensor out2 = backend.upload(poison(shape.rows() * shape.inner()));
        backend.attention(backend.upload(q), backend.upload(kv), ints(lengths), shape, out2);
        org.junit.jupiter.api.Assertions.assertArrayEquals(read(out1), read(out2));
    }

    @Test
    void embedSumAddsEveryLevelAndTheSemanticEmbeddingAndZeroesPadding() {
        int batch = 2;
        int frames = 5;
        int levels = 3;
        int codebook = 7;
        int dim = 11;
        int semVocab = 4;
        int[] lengths = {5, 3};
        float[] code = random(random, levels * (codebook + 1) * dim, 1);
        float[] sem = random(random, semVocab * dim, 1);
        int[] tokens = new int[batch * frames * levels];
        int[] semantic = new int[batch * frames];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(codebook + 1); // includes the mask id
        }
        for (int i = 0; i < semantic.length; i++) {
            semantic[i] = random.nextInt(semVocab);
        }
        Tensor out = backend.upload(poison(batch * frames * dim));
        backend.embedSum(ints(tokens), ints(semantic), ints(lengths), backend.upload(code), backend.upload(sem), out,
                batch, frames, levels, codebook, dim);
        double[] expected = new double[batch * frames * dim];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                int row = b * frames + t;
                for (int j = 0; j < dim; j++) {
                    double s = sem[semantic[row] * dim + j];
                    for (int q = 0; q < levels; q++) {
                        s += code[(q * (codebook + 1) + tokens[row * levels + q]) * dim + j];
                    }
                    expected[row * dim + j] = s;
                }
            }
        }
        assertClose("embedSum", expected, read(out), 1e-6);
    }

    @Test
    void allocatedBuffersStartAsZeros() {
        Tensor f = backend.allocate(1037);
        float[] floats = poison(1037);
        backend.read(f, floats);
        for (float v : floats) {
            assertEquals(0f, v);
        }
        IntTensor i = backend.allocateInts(517);
        int[] ints = new int[517];
        java.util.Arrays.fill(ints, -1);
        backend.readInts(i, ints);
        for (int v : ints) {
            assertEquals(0, v);
        }
    }

    @Test
    void readAndWriteCheckSizes() {
        Tensor t = backend.upload(new float[] {1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> backend.read(t, new float[4]));
        IntTensor i = backend.allocateInts(4);
        assertThrows(IllegalArgumentException.class, () -> backend.write(i, new int[5]));
        assertThrows(IllegalArgumentException.class, () -> backend.write(t, new float[4]));
        assertThrows(IllegalArgumentException.class, () -> backend.readInts(i, new int[5]));
        assertThrows(IllegalArgumentException.class, () -> backend.uploadMatrix(new float[5], 2, 3));
        float[] back = new float[3];
        backend.read(t, back);
        assertEquals(3f, back[2]);
    }

    /** Reads and writes of fewer elements than a tensor holds touch its first elements only (a workspace's capacity). */
    @Test
    void readsAndWritesOfAPrefixLeaveTheRestAlone() {
        Tensor t = backend.upload(new float[] {1, 2, 3, 4, 5});
        backend.write(t, new float[] {-7.5f, 8.25f});
        float[] first = new float[3];
        backend.read(t, first);
        assertArrayEquals(new float[] {-7.5f, 8.25f, 3}, first);
        float[] all = new float[5];
        backend.read(t, all);
        assertArrayEquals(new float[] {-7.5f, 8.25f, 3, 4, 5}, all);
        IntTensor i = backend.allocateInts(6);
        backend.write(i, new int[] {9, -3, 11, 12, 13, 14});
        backend.write(i, new int[] {-1, 5});
        int[] ints = new int[4];
        backend.readInts(i, ints);
        assertArrayEquals(new int[] {-1, 5, 11, 12}, ints);
    }
}
