package org.soundstorm4j.backend.cpu;

import java.util.Arrays;
import org.soundstorm4j.backend.AttentionShape;
import org.soundstorm4j.backend.RotaryTable;

/**
 * Multi-head self-attention on the CPU, one task per (sequence, head): q and k are rotated and
 * packed once, then blocks of query rows go through {@code scores = q k^T}, a row softmax and
 * {@code scores v}, all with the matrix-product micro-kernel. Only a block of
 * {@value #QUERY_BLOCK} x frames scores exists at a time, never the whole frames x frames matrix.
 */
final class CpuAttention {
    private static final int QUERY_BLOCK = 48;

    private final CpuKernels kernels;
    private final WorkerPool workers;
    /**
     * Per thread, not per backend: the pool's threads outlive any one backend (they are shared),
     * so buffers per backend would stay on them after it closed. A thread runs one head at a time.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private RotaryTable rotary;

    CpuAttention(CpuKernels kernels, WorkerPool workers) {
        this.kernels = kernels;
        this.workers = workers;
    }

    /** Per-thread buffers, grown on demand and reused across calls. */
    private static final class Scratch {
        float[] q = new float[0];
        float[] k = new float[0];
        float[] kPacked = new float[0];
        float[] vPacked = new float[0];
        float[] scores = new float[0];

        static float[] atLeast(float[] a, int n) {
            return a.length >= n ? a : new float[n];
        }
    }

    void run(float[] q, float[] kv, int[] lengths, AttentionShape shape, float[] out) {
        rotaryTable(shape.frames(), shape.dimHead());
        workers.forEach(shape.batch() * shape.heads(),
                task -> oneHead(q, kv, lengths, shape, out, task / shape.heads(), task % shape.heads()));
    }

    private void oneHead(float[] q, float[] kv, int[] lengths, AttentionShape shape, float[] out, int b, int h) {
        int frames = shape.frames();
        int dh = shape.dimHead();
        int inner = shape.inner();
        int kvStride = 2 * inner;
        int len = lengths[b];
        int width = kernels.panelWidth();
        Scratch s = SCRATCH.get();
        s.q = Scratch.atLeast(s.q, len * dh);
        s.k = Scratch.atLeast(s.k, len * dh);
        s.kPacked = Scratch.atLeast(s.kPacked, PackedMatrix.panels(len, width) * dh * width);
        s.vPacked = Scratch.atLeast(s.vPacked, PackedMatrix.panels(dh, width) * len * width);
        s.scores = Scratch.atLeast(s.scores, QUERY_BLOCK * len);

        float scale = (float) (1.0 / Math.sqrt(dh));
        int rowBase = b * frames;
        for (int t = 0; t < len; t++) {
            rotate(q, (rowBase + t) * inner + h * dh, s.q, t * dh, t, dh, scale);
            rotate(kv, (rowBase + t) * kvStride + h * dh, s.k, t * dh, t, dh, 1f);
        }
        PackedMatrix.packInto(s.kPacked, s.k, 0, dh, len, dh, width);
        PackedMatrix keys = PackedMatrix.view(s.kPacked, len, dh, width);
        PackedMatrix.packTransposedInto(s.vPacked, kv, rowBase * kvStride + inner + h * dh, kvStride, dh, len, width);
        PackedMatrix values = PackedMatrix.view(s.vPacked, dh, len, width);

        for (int i0 = 0; i0 < len; i0 += QUERY_BLOCK) {
            int m = Math.min(QUERY_BLOCK, len - i0);
            kernels.gemm(s.q, i0 * dh, dh, m, keys, 0, keys.panels(), s.scores, 0, len, null, Epilogue.STORE, 1f);
            for (int r = 0; r < m; r++) {
                kernels.softmax(s.scores, r * len, len);
            }
            kernels.gemm(s.scores, 0, len, m, values, 0, values.panels(),
                    out, (rowBase + i0) * inner + h * dh, inner, null, Epilogue.STORE, 1f);
        }
        for (int t = len; t < frames; t++) {
            int o = (rowBase + t) * inner + h * dh;
            Arrays.fill(out, o, o + dh, 0f);
        }
    }

    /** GPT-NeoX rotary embedding (rotate_half) of one head vector at position t, times scale. */
    private void rotate(float[] src, int from, float[] dst, int to, int t, int dh, float scale) {
        int half = dh / 2;
        int tab = t * half;
        for (int i = 0; i < half; i++) {
            float x1 = src[from + i];
            float x2 = src[from + half + i];
            float c = rotary.cos()[tab + i];
            float sn = rotary.sin()[tab + i];
            dst[to + i] = (x1 * c - x2 * sn) * scale;
            dst[to + half + i] = (x2 * c + x1 * sn) * scale;
        }
    }

    private void rotaryTable(int frames, int dh) {
        if (rotary == null || !rotary.covers(frames, dh)) {
            rotary = RotaryTable.of(frames, dh);
        }
    }
}
