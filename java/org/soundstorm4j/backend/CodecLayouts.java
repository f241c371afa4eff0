package org.soundstorm4j.backend;

/**
 * Host-side helpers for a codec decoder built on the codec ops: PyTorch's conv weights permuted
 * into the {@code [rows, cols]} matrices {@link Backend#linear} multiplies by, and the range check
 * of codec ids, which the device ops leave to the caller.
 */
public final class CodecLayouts {
    private CodecLayouts() {
    }

    /**
     * A conv1d weight {@code [cout, cin, kernel]} (PyTorch's {@code Conv1d.weight}) as the matrix
     * {@code [cout, kernel*cin]} whose column {@code k*cin + ci} multiplies column block k of
     * {@link Backend#im2col}'s output: {@code m[co, k*cin + ci] = w[co, ci, k]}.
     */
    public static float[] convWeight(float[] w, int cout, int cin, int kernel) {
        requireLength("conv weight", w, cout, cin, kernel);
        float[] m = new float[w.length];
        for (int co = 0; co < cout; co++) {
            for (int ci = 0; ci < cin; ci++) {
                for (int k = 0; k < kernel; k++) {
                    m[(co * kernel + k) * cin + ci] = w[(co * cin + ci) * kernel + k];
                }
            }
        }
        return m;
    }

    /**
     * A transposed conv1d weight {@code [cin, cout, kernel]} (PyTorch's
     * {@code ConvTranspose1d.weight}) as the matrix {@code [kernel*cout, cin]} for {@link Backend#linear},
     * whose output row {@code k*cout + co} is tap k of output channel co, as
     * {@link Backend#overlapAdd} reads it: {@code m[k*cout + co, ci] = w[ci, co, k]}.
     */
    public static float[] transposedConvWeight(float[] w, int cin, int cout, int kernel) {
        requireLength("transposed conv weight", w, cin, cout, kernel);
        float[] m = new float[w.length];
        for (int ci = 0; ci < cin; ci++) {
            for (int co = 0; co < cout; co++) {
                for (int k = 0; k < kernel; k++) {
                    m[(k * cout + co) * cin + ci] = w[(ci * cout + co) * kernel + k];
                }
            }
        }
        return m;
    }

    /**
     * Checks codec ids {@code [levels, batch, frames]} (level-major, as SpeechTokenizer's codes)
     * before they are uploaded for {@link Backend#codebookSum}, which reads the table at whatever
     * id it is given.
     *
     * @throws IllegalArgumentException naming the level, batch item, frame and value of the first
     *                                  id outside {@code [0, codebookSize)}, or a wrong length
     */
    public static void checkCodes(int[] codes, int levels, int batch, int frames, int codebookSize) {
        if ((long) levels * batch * frames != codes.length) {
            throw new IllegalArgumentException("codes: " + codes.length + " ids for [" + levels + ", " + batch + ", "
                    + frames + "]");
        }
        for (int i = 0; i < codes.length; i++) {
            int v = codes[i];
            if (v < 0 || v >= codebookSize) {
                int t = i % frames;
                int b = (i / frames) % batch;
                int q = i / frames / batch;
                throw new IllegalArgumentException("code at level " + q + ", batch " + b + ", frame " + t + " is " + v
                        + ", outside the codebook [0, " + codebookSize + ")");
            }
        }
    }

    private static void requireLength(String what, float[] w, int a, int b, int c) {
        if (a < 1 || b < 1 || c < 1 || (long) a * b * c != w.length) {
            throw new IllegalArgumentException(what + ": " + w.length + " values for [" + a + ", " + b + ", " + c + "]");
        }
    }
}
