package org.soundstorm4j.backend.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.PadMode;
import org.soundstorm4j.backend.TensorSizes;

/**
 * The CPU backend's codec ops (SpeechTokenizer's decoder): the same index arithmetic as the
 * kernels in {@code kernels/} ({@code im2col.clh}, {@code elu.clh}, ...), split by rows over the
 * worker pool, so results do not depend on the thread count.
 */
final class CpuCodecOps {
    /** Hidden units per recurrence task, in panels of the packed W_hh (each gate's rows of them). */
    private static final int UNIT_PANELS_PER_TASK = 2;

    private final WorkerPool workers;
    private final CpuKernels kernels;

    CpuCodecOps(WorkerPool workers, CpuKernels kernels) {
        this.workers = workers;
        this.kernels = kernels;
    }

    void im2col(float[] x, int[] lengths, ConvWindow w, float[] out, int batch, int frames, int channels,
                int outFrames) {
        float[] src = activated(x, w, batch * frames * channels);
        forEachRowChunk(batch * outFrames, (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                int b = row / outFrames;
                gatherRow(src, lengths == null ? frames : lengths[b], w, out, row * w.kernel() * channels, b,
                        row % outFrames, frames, channels);
            }
        });
    }

    /**
     * The rows of a stride-1 conv1d's matrix product, without im2col where the input itself serves:
     * with dilation 1 and channels-last x, the window of an output frame whose taps all fall inside
     * the sequence is {@code kernel*channels} consecutive floats of x, so those rows read x in place
     * with row stride {@code channels} (overlapping). Only the frames whose window reaches into the
     * padding (at most padLeft + padRight per sequence; every frame for a dilated conv) are gathered,
     * into a small array. The values are im2col's, so the sums are those of im2col then linear.
     */
    List<CpuBackend.Rows> convRows(float[] x, ConvWindow w, int batch, int frames, int channels, int outFrames,
                                   int cout) {
        float[] src = activated(x, w, batch * frames * channels);
        int span = w.dilation() * (w.kernel() - 1);
        // output frames [inLo, inHi) of each sequence read x in place
        int inLo = w.dilation() == 1 ? Math.min(w.padLeft(), outFrames) : outFrames;
        int inHi = Math.max(inLo, Math.min(outFrames, w.padLeft() + frames - span));
        int edges = outFrames - (inHi - inLo);
        int width = w.kernel() * channels;
        float[] gathered = new float[TensorSizes.checked((long) batch * edges * width)];
        if (edges > 0) {
            forEachRowChunk(batch * edges, (e0, e1) -> {
                for (int e = e0; e < e1; e++) {
                    int b = e / edges;
                    int t = e % edges < inLo ? e % edges : e % edges - inLo + inHi;
                    gatherRow(src, frames, w, gathered, e * width, b, t, frames, channels);
                }
            });
        }
        List<CpuBackend.Rows> rows = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int out0 = b * outFrames;
            int edge0 = b * edges;
            rows.add(new CpuBackend.Rows(gathered, edge0 * width, width, inLo, out0 * cout));
            rows.add(new CpuBackend.Rows(src, (b * frames + inLo - w.padLeft()) * channels, channels, inHi - inLo,
                    (out0 + inLo) * cout));
            rows.add(new CpuBackend.Rows(gathered, (edge0 + inLo) * width, width, outFrames - inHi,
                    (out0 + inHi) * cout));
        }
        return rows;
    }

    /** x, or a fresh array of ELU(x) when the window asks for it: each element once, not once per tap. */
    private float[] activated(float[] x, ConvWindow w, int size) {
        if (!w.eluInput()) {
            return x;
        }
        float[] activated = new float[size];
        elu(x, activated, size);
        return activated;
    }

    /** Output frame t of sequence b ({@code len} valid frames): its window of x into {@code out[dst, dst + kernel*channels)}. */
    private static void gatherRow(float[] x, int len, ConvWindow w, float[] out, int dst, int b, int t, int frames,
                                  int channels) {
        int kernel = w.kernel();
        int span = w.dilation() * (kernel - 1);
        if (len <= 0 || t >= len + w.padLeft() + w.padRight() - span) {
            Arrays.fill(out, dst, dst + kernel * channels, 0f);
            return;
        }
        boolean reflect = w.padMode() == PadMode.REFLECT;
        int maxPad = Math.max(w.padLeft(), w.padRight());
        int ext = len > maxPad ? len : maxPad + 1; // SpeechTokenizer's zero extension of short inputs
        for (int k = 0; k < kernel; k++) {
            int j = t + k * w.dilation() - w.padLeft();
            if (reflect) {
                j = j < 0 ? -j : j >= ext ? 2 * (ext - 1) - j : j;
            }
            int o = dst + k * channels;
            if (j < 0 || j >= len) {
                Arrays.fill(out, o, o + channels, 0f);
            } else {
                System.arraycopy(x, (b * frames + j) * channels, out, o, channels);
            }
        }
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
                    Arrays.fill(out, dst, dst + channels, 0f);
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
                Arrays.fill(out, dst, dst + dim, 0f);
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
     * The LSTM recurrence, one pool task per block of {@link #UNIT_PANELS_PER_TASK} panels' worth of
     * hidden units and frame: the task computes {@code h W_hh^T} for its units' four gates (the
     * panels holding those W_hh rows) and then their cell update, so each frame costs one fork and
     * join and the transcendental functions run in parallel. h of frame t-1 is read straight from
     * {@code out} (row stride frames*hidden). The blocks do not depend on the thread count.
     */
    void lstmRecurrence(float[] gates, PackedMatrix whh, float[] h, float[] c, float[] out, int batch, int frames,
                        int hidden) {
        int nr = whh.width;
        int units = UNIT_PANELS_PER_TASK * nr;
        int tasks = (hidden + units - 1) / units;
        // Per task and batch row, four gate regions 'stride' apart; unit u0 of gate g sits at
        // g*stride + nr, the panels around it fill [g*stride + 1, g*stride + stride).
        int stride = units + 2 * nr;
        int ldc = 4 * stride;
        float[][] scratch = new float[tasks][batch * ldc];
        for (int t = 0; t < frames; t++) {
            float[] hPrev = t == 0 ? h : out;
            int hOff = t == 0 ? 0 : (t - 1) * hidden;
            int hStride = t == 0 ? hidden : frames * hidden;
            int frame = t;
            workers.forEach(tasks, task -> {
                int u0 = task * units;
                int u1 = Math.min(hidden, u0 + units);
                float[] rec = scratch[task];
                for (int g = 0; g < 4; g++) {
                    int first = g * hidden + u0;
                    int p0 = first / nr;
                    int p1 = (g * hidden + u1 - 1) / nr + 1;
                    kernels.recurrentProduct(hPrev, hOff, hStride, batch, whh, p0, p1, rec, g * stride + nr - first,
                            ldc);
                }
                for (int b = 0; b < batch; b++) {
                    int row = b * frames + frame;
                    kernels.lstmCell(rec, b * ldc + nr, stride, gates, row * 4 * hidden + u0, hidden,
                            c, b * hidden + u0, out, row * hidden + u0, u1 - u0);
                }
            });
        }
        for (int b = 0; b < batch; b++) {
            System.arraycopy(out, (b * frames + frames - 1) * hidden, h, b * hidden, hidden);
        }
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
