package org.soundstorm4j.backend.cpu;

/**
 * The inner loops of the CPU backend that decide its speed: the matrix-product micro-kernel and
 * the element-wise functions that need {@code exp}. Two implementations: {@link VectorKernels}
 * (the Vector API, when the JVM runs with {@code --add-modules jdk.incubator.vector}) and
 * {@link ScalarKernels} (plain Java, the fallback). All are single-threaded; the backend splits
 * the work.
 */
interface CpuKernels {

    /** Columns per packed panel this implementation wants. */
    int panelWidth();

    /**
     * {@code C[i, n] = epilogue((A B^T)[i, n] + bias[n])} for rows {@code i < m} and the columns of
     * panels {@code [p0, p1)} of {@code b}.
     *
     * @param a    {@code A[m, b.cols]} at {@code aOff}, row stride {@code lda}
     * @param c    {@code C[m, b.rows]} at {@code cOff}, row stride {@code ldc}
     * @param bias {@code [b.rows]} or null
     */
    void gemm(float[] a, int aOff, int lda, int m, PackedMatrix b, int p0, int p1,
              float[] c, int cOff, int ldc, float[] bias, Epilogue epilogue, float scale);

    /**
     * {@code C[i, n] = (A B^T)[i, n]} for rows {@code i < m} and the columns of panels {@code [p0, p1)}:
     * the LSTM step's {@code h W_hh^T}, a few rows against a large matrix, where {@link #gemm}'s one
     * accumulator chain per column waits on each multiply-add's latency. A row's arithmetic does
     * not depend on m or on its place among the rows.
     */
    void recurrentProduct(float[] a, int aOff, int lda, int m, PackedMatrix b, int p0, int p1, float[] c, int cOff,
                          int ldc);

    /** {@code out[o + j] = x[i + j] * sigmoid(x[i + channels + j])} for {@code j < channels}. */
    void gluRow(float[] x, int i, float[] out, int o, int channels);

    /** {@code x = x * sigmoid(x)} over {@code x[off, off + n)}. */
    void swish(float[] x, int off, int n);

    /** {@code y[yOff + j] += w[wOff + j] * x[xOff + j]} for {@code j < n}. */
    void multiplyAdd(float[] y, int yOff, float[] w, int wOff, float[] x, int xOff, int n);

    /**
     * Normalizes one row {@code x[off, off + n)} into {@code out[off, off + n)}:
     * {@code (x - mean) * rsqrt(var + eps) * gamma + beta} for LayerNorm, or with
     * {@code clampVariance} {@code (x - mean) * rsqrt(max(var, eps)) * gamma} (ChanLayerNorm; beta
     * null). The variance is the biased one. Accurate for rows whose values are nearly equal,
     * where ChanLayerNorm's clamp amplifies any error in the mean up to 1000 times.
     */
    void normalizeRow(float[] x, float[] out, int off, int n, float[] gamma, float[] beta, float eps,
                      boolean clampVariance);

    /**
     * ELU (alpha 1), {@code out[o + j] = x[i + j] > 0 ? x[i + j] : expm1(x[i + j])} for {@code j < n};
     * x and out may be the same array at the same offset. Every element gets the same arithmetic
     * whatever its position, so a decode cut into other slices gives the same bits.
     */
    void elu(float[] x, int i, float[] out, int o, int n);

    /**
     * One LSTM step's cell update for {@code n} units (PyTorch's gate order i, f, g, o): each gate's
     * pre-activation is its recurrent part {@code rec[ri + gate*recGateStride + j]} plus its input
     * part {@code in[ii + gate*inGateStride + j]}; then {@code c = sigmoid(f) c + sigmoid(i) tanh(g)}
     * in place at {@code c[co + j]} and {@code h[ho + j] = sigmoid(o) tanh(c)}. Every unit gets the
     * same arithmetic whatever its position.
     */
    void lstmCell(float[] rec, int ri, int recGateStride, float[] in, int ii, int inGateStride,
                  float[] c, int co, float[] h, int ho, int n);

    /** Softmax in place over {@code s[off, off + n)}; n >= 1. */
    void softmax(float[] s, int off, int n);

    /** Which implementation this is, for logs. */
    String description();

    /**
     * The fastest implementation this JVM can run: the Vector API when its module is present,
     * unless {@code -Dsoundstorm4j.cpu.kernels=scalar} asks for the fallback.
     */
    static CpuKernels best() {
        boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        String wanted = System.getProperty("soundstorm4j.cpu.kernels", "auto");
        return switch (wanted) {
            case "scalar" -> new ScalarKernels();
            case "vector" -> {
                if (!vectorModule) {
                    throw new IllegalStateException("-Dsoundstorm4j.cpu.kernels=vector needs the JVM flag "
                            + "--add-modules jdk.incubator.vector");
                }
                yield VectorKernelsLoader.load();
            }
            case "auto" -> vectorModule ? VectorKernelsLoader.load() : new ScalarKernels();
            default -> throw new IllegalArgumentException("soundstorm4j.cpu.kernels must be auto, vector or scalar, not '"
                    + wanted + "'");
        };
    }
}
