package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.PadMode;

/**
 * The CPU backend's codec ops (SpeechTokenizer's decoder): the same index arithmetic as the
 * kernels in {@code kernels/} ({@code im2col.clh}, {@code elu.clh}, ...), split by rows over the
 * worker pool, so results do not depend on the thread count.
 */
final class CpuCodecOps {
    /** Rows of h per matrix-product task (a multiple of both micro-kernels' row tiles). */
    private static final int ROW_BLOCK = 48;
    /** Packed panels of W_hh per matrix-product task. */
    private static final int PANELS_PER_TASK = 2;

    private final WorkerPool workers;
    private final CpuKernels kernels;

    CpuCodecOps(WorkerPool workers, CpuKernels kernels) {
        this.workers = workers;
        this.kernels = kernels;
    }

    void im2col(float[] x, int[] lengths, ConvWindow w, float[] out, int batch, int frames, int channels,
                int outFrames) {
        if (w.eluInput()) {
            // ELU each input element once, not once per tap that reads it (up to 7 times)
            float[] activated = new float[batch * frames * channels];
            elu(x, activated, activated.length);
            gather(activated, lengths, w, out, batch, frames, channels, outFrames);
        } else {
            gather(x, lengths, w, out, batch, frames, channels, outFrames);
        }
    }

    /** im2col's windows of x, as they are (the window's ELU already applied by the caller). */
    private void gather(float[] x, int[] lengths, ConvWindow w, float[] out, int batch, int frames, int channels,
                        int outFrames) {
        int kernel = w.kernel();
        int width = kernel * channels;
        boolean reflect = w.padMode() == PadMode.REFLECT;
        int maxPad = Math.max(w.padLeft(), w.padRight());
        int span = w.dilation() * (kernel - 1);
        forEachRowChunk(batch * outFrames, (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                int b = row / outFrames;
                int t = row % outFrames;
                int len = lengths == null ? frames : lengths[b];
                int dst = row * width;
                if (len <= 0 || t >= len + w.padLeft() + w.padRight() - span) {
                    java.util.Arrays.fill(out, dst, dst + width, 0f);
                    continue;
                }
                int ext = len > maxPad ? len : maxPad + 1; // SpeechTokenizer's zero extension of short inputs
                for (int k = 0; k < kernel; k++) {
                    int j = t + k * w.dilation() - w.padLeft();
                    if (reflect) {
                        j = j < 0 ? -j : j >= ext ? 2 * (ext - 1) - j : j;
                    }
                    int o = dst + k * channels;
                    if (j < 0 || j >= len) {
                        java.util.Arrays.fill(out, o, o + channels, 0f);
                    } else {
                        System.arraycopy(x, (b * frames + j) * channels, out, o, channels);
                    }
                }
            }
        });
    }

    void elu(float[] x, float[] out, int size) {
        forEachRowChunk(size, (i0, i1) -> kernels.elu(x, i0, out, i0, i1 - i0));
    }

    void add(float[] a, float[] b, float[] out, int size) {
        forEachRowChunk(size, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                out[i] = a[i] + b[i];
            }
        });
    }

    void overlapAdd(float[] y, float[] bias, float[] out, int batch, int framesIn, int framesOut, int channels,
                    int kernel, int stride, int trimLeft) {
        forEachRowChunk(batch * framesOut, (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                int b = row / framesOut;
                int t = row % framesOut;
                int dst = row * channels;
                if (bias == null) {
                    java.util.Arrays.fill(out, dst, dst + channels, 0f);
                } else {
                    System.arraycopy(bias, 0, out, dst, channels);
                }
                for (int k = 0; k < kernel; k++) { // increasing k, as the kernel sums
                    int s = t + trimLeft - k;
                    if (s >= 0 && s % stride == 0 && s / stride < framesIn) {
                        int src = ((b * framesIn + s / stride) * kernel + k) * channels;
                        for (int c = 0; c < channels; c++) {
                            out[dst + c] += y[src + c];
                        }
                    }
                }
            }
        });
    }

    /**
     * Ids are not checked (the caller's {@code CodecLayouts.checkCodes}); one out of range throws
     * {@code ArrayIndexOutOfBoundsException} here only when it falls outside the whole table.
     */
    void codebookSum(int[] codes, float[] table, float[] out, int levels, int batch, int frames, int codebookSize,
                     int dim) {
        int rows = batch * frames;
        forEachRowChunk(rows, (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                int dst = row * dim;
                java.util.Arrays.fill(out, dst, dst + dim, 0f);
                for (int q = 0; q < levels; q++) { // increasing level, as the kernel sums
                    int src = (q * codebookSize + codes[q * rows + row]) * dim;
                    for (int d = 0; d < dim; d++) {
                        out[dst + d] += table[src + d];
                    }
                }
            }
        });
    }

    /**
     * The LSTM recurrence: per frame, {@code h W_hh^T} for all rows by the packed micro-kernel, its
     * panels (groups of gate rows) split over the worker pool, then the cell update on the calling
     * thread. h of frame t-1 is read straight from {@code out} (row stride frames*hidden).
     */
    void lstmRecurrence(float[] gates, PackedMatrix whh, float[] h, float[] c, float[] out, int batch, int frames,
                        int hidden) {
        int g4 = 4 * hidden;
        float[] a = new float[batch * g4];
        int rowBlocks = (batch + ROW_BLOCK - 1) / ROW_BLOCK;
        int panels = whh.panels();
        int panelChunks = (panels + PANELS_PER_TASK - 1) / PANELS_PER_TASK;
        for (int t = 0; t < frames; t++) {
            float[] hPrev = t == 0 ? h : out;
            int hOff = t == 0 ? 0 : (t - 1) * hidden;
            int hStride = t == 0 ? hidden : frames * hidden;
            workers.forEach(rowBlocks * panelChunks, task -> {
                int i0 = (task / panelChunks) * ROW_BLOCK;
                int p0 = (task % panelChunks) * PANELS_PER_TASK;
                kernels.gemm(hPrev, hOff + i0 * hStride, hStride, Math.min(ROW_BLOCK, batch - i0), whh, p0,
                        Math.min(panels, p0 + PANELS_PER_TASK), a, i0 * g4, g4, null, Epilogue.STORE, 1f);
            });
            for (int b = 0; b < batch; b++) {
                int gi = (b * frames + t) * g4;
                int ai = b * g4;
                for (int j = 0; j < hidden; j++) {
                    float in = sigmoid(a[ai + j] + gates[gi + j]);
                    float forget = sigmoid(a[ai + hidden + j] + gates[gi + hidden + j]);
                    float cand = (float) Math.tanh(a[ai + 2 * hidden + j] + gates[gi + 2 * hidden + j]);
                    float outGate = sigmoid(a[ai + 3 * hidden + j] + gates[gi + 3 * hidden + j]);
                    float cell = forget * c[b * hidden + j] + in * cand;
                    c[b * hidden + j] = cell;
                    out[(b * frames + t) * hidden + j] = outGate * (float) Math.tanh(cell);
                }
            }
        }
        for (int b = 0; b < batch; b++) {
            System.arraycopy(out, (b * frames + frames - 1) * hidden, h, b * hidden, hidden);
        }
    }

    private static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    /** Splits {@code rows} into about four chunks per worker and runs them in parallel. */
    private void forEachRowChunk(int rows, RowRange body) {
        int chunks = Math.max(1, Math.min(rows, 4 * workers.threads()));
        int per = (rows + chunks - 1) / chunks;
        workers.forEach((rows + per - 1) / per, i -> body.run(i * per, Math.min(rows, (i + 1) * per)));
    }

    @FunctionalInterface
    private interface RowRange {
        void run(int from, int to);
    }
}
