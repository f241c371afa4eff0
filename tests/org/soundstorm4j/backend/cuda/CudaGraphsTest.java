package org.soundstorm4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.soundstorm4j.backend.Arrays2.random;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.backend.Activation;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.Tensor;

/**
 * A CUDA graph holds the device addresses its ops used when it was captured, including the
 * backend's own scratch buffers (the bf16 copy of a product's input, the rotary tables). When
 * one of those is freed and reallocated (another op needs it bigger), the graph must not be
 * replayed: on a GPU the replay would silently use freed, maybe reused memory; the fake CUDA
 * driver (tests/fakecuda) reports it as an illegal address.
 */
class CudaGraphsTest {
    private final SplittableRandom random = new SplittableRandom(5);

    @Test
    void aGraphIsNotReplayedAfterTheBf16ScratchItConvertsIntoWasFreed() {
        try (CudaBackend b = CudaDevice.backend(CudaOptions.defaults().withPrecision(MatmulPrecision.BF16))) {
            int k = 16;
            int n = 8;
            MatrixWeight w = b.uploadMatrix(random(random, n * k, 1), n, k);
            Tensor x = b.upload(random(random, k, 1));
            Tensor y = b.allocate(n);
            Runnable oneRow = () -> b.linear(x, w, null, Activation.NONE, y, 1);
            b.replayable("one row", oneRow); // eager: the scratch grows to one row
            float[] eager = read(b, y);
            b.replayable("one row", oneRow); // captured (to_bf16 into the scratch, the product from it) and launched
            assertEquals(1, b.graphCaptures(), "the second run is captured");
            b.linear(b.upload(random(random, 64 * k, 1)), w, null, Activation.NONE, b.allocate(64 * n), 64);
            b.replayable("one row", oneRow); // the scratch was reallocated: no replay of the old graph
            assertArrayEquals(eager, read(b, y));
        }
    }

    @Test
    void aGraphIsNotReplayedAfterTheRotaryTablesItReadsWereRebuilt() {
        try (CudaBackend b = CudaDevice.backend(CudaOptions.defaults())) {
            AttentionShape small = new AttentionShape(1, 8, 1, 16);
            Tensor q = b.upload(random(random, small.rows() * small.inner(), 1));
            Tensor kv = b.upload(random(random, 2 * small.rows() * small.inner(), 1));
            IntTensor lengths = b.allocateInts(1);
            b.write(lengths, new int[] {8});
            Tensor out = b.allocate((long) small.rows() * small.inner());
            Runnable attention = () -> b.attention(q, kv, lengths, small, out);
            b.replayable("attention", attention);
            float[] eager = read(b, out);
            b.replayable("attention", attention);
            assertEquals(1, b.graphCaptures(), "the second run is captured");
            AttentionShape longer = new AttentionShape(1, 40, 1, 16); // rebuilds (frees) the rotary tables
            IntTensor longLengths = b.allocateInts(1);
            b.write(longLengths, new int[] {40});
            b.attention(b.upload(random(random, longer.rows() * longer.inner(), 1)),
                    b.upload(random(random, 2 * longer.rows() * longer.inner(), 1)), longLengths, longer,
                    b.allocate((long) longer.rows() * longer.inner()));
            b.replayable("attention", attention);
            assertArrayEquals(eager, read(b, out));
        }
    }

    @Test
    void anLstmRecurrenceIsCapturedWithItsPerFrameLaunchesAndReplaysCarryingTheState() {
        int batch = 2;
        int frames = 5;
        int hidden = 7;
        float[] g = random(random, batch * frames * 4 * hidden, 2);
        float[] w = random(random, 4 * hidden * hidden, 0.5);
        float[] tripled = new float[3 * g.length]; // the same chunk three times, per sequence
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < 3; r++) {
                System.arraycopy(g, b * frames * 4 * hidden, tripled, (b * 3 * frames + r * frames) * 4 * hidden,
                        frames * 4 * hidden);
            }
        }
        float[] expected;
        try (CudaBackend eager = CudaDevice.backend(CudaOptions.defaults().withGraphs(false))) {
            Tensor out = eager.allocate((long) batch * 3 * frames * hidden);
            eager.lstmRecurrence(eager.upload(tripled), eager.uploadMatrix(w, 4 * hidden, hidden),
                    eager.allocate(batch * hidden), eager.allocate(batch * hidden), out, batch, 3 * frames, hidden);
            expected = read(eager, out);
        }
        try (CudaBackend b = CudaDevice.backend(CudaOptions.defaults())) {
            Tensor gates = b.upload(g);
            MatrixWeight whh = b.uploadMatrix(w, 4 * hidden, hidden);
            Tensor h = b.allocate(batch * hidden);
            Tensor c = b.allocate(batch * hidden);
            Tensor out = b.allocate((long) batch * frames * hidden);
            float[] joined = new float[expected.length];
            for (int r = 0; r < 3; r++) { // eager, captured and launched, replayed
                b.replayable("lstm chunk", () -> b.lstmRecurrence(gates, whh, h, c, out, batch, frames, hidden));
                float[] o = read(b, out);
                for (int s = 0; s < batch; s++) {
                    System.arraycopy(o, s * frames * hidden, joined, (s * 3 * frames + r * frames) * hidden,
                            frames * hidden);
                }
            }
            assertEquals(1, b.graphCaptures(), "the second run is captured");
            assertEquals(2, b.graphLaunches(), "the second and third runs launch the graph");
            assertArrayEquals(expected, joined);
        }
    }

    private static float[] read(CudaBackend b, Tensor t) {
        float[] host = new float[(int) t.size()];
        b.read(t, host);
        return host;
    }
}
