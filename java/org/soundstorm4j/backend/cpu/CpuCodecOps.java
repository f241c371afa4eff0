package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.ConvWindow;
import org.soundstorm4j.backend.PadMode;

/**
 * The CPU backend's codec ops (SpeechTokenizer's decoder): the same index arithmetic as the
 * kernels in {@code kernels/} ({@code im2col.clh}, {@code elu.clh}, ...), split by rows over the
 * worker pool, so results do not depend on the thread count.
 */
final class CpuCodecOps {
    private final WorkerPool workers;

    CpuCodecOps(WorkerPool workers) {
        this.workers = workers;
    }

    /** ELU, alpha 1. */
    static float elu(float v) {
        return v > 0f ? v : (float) Math.expm1(v);
    }

    void im2col(float[] x, int[] lengths, ConvWindow w, float[] out, int batch, int frames, int channels,
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
                        int src = (b * frames + j) * channels;
                        if (w.eluInput()) {
                            for (int c = 0; c < channels; c++) {
                                out[o + c] = elu(x[src + c]);
                            }
                        } else {
                            System.arraycopy(x, src, out, o, channels);
                        }
                    }
                }
            }
        });
    }

    void elu(float[] x, float[] out, int size) {
        forEachRowChunk(size, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                out[i] = elu(x[i]);
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
