package org.soundstorm4j.backend.cpu;

/**
 * {@link CpuKernels} in plain Java, for JVMs started without the Vector API module. Same packed
 * layout and results as {@link VectorKernels} (up to rounding), written so that C2 can
 * auto-vectorize the inner loops, but slower: the {@code exp} calls stay scalar.
 */
final class ScalarKernels implements CpuKernels {
    private static final int NR = 16;
    private static final int MR = 4;

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public void elu(float[] x, int i, float[] out, int o, int n) {
        for (int j = 0; j < n; j++) {
            float v = x[i + j];
            out[o + j] = v > 0f ? v : (float) Math.expm1(v);
        }
    }

    @Override
    public void lstmCell(float[] rec, int ri, int recGateStride, float[] in, int ii, int inGateStride,
                         float[] c, int co, float[] h, int ho, int n) {
        for (int j = 0; j < n; j++) {
            float i = sigmoid(rec[ri + j] + in[ii + j]);
            float f = sigmoid(rec[ri + recGateStride + j] + in[ii + inGateStride + j]);
            float g = (float) Math.tanh(rec[ri + 2 * recGateStride + j] + in[ii + 2 * inGateStride + j]);
            float o = sigmoid(rec[ri + 3 * recGateStride + j] + in[ii + 3 * inGateStride + j]);
            float cell = f * c[co + j] + i * g;
            c[co + j] = cell;
            h[ho + j] = o * (float) Math.tanh(cell);
        }
    }

    private static float sigmoid(float x) {
        return 1f / (1f + (float) Math.exp(-x));
    }

    /** The plain product: a scalar loop has no multiply-add latency to hide. */
    @Override
    public void recurrentProduct(float[] a, int aOff, int lda, int m, PackedMatrix b, int p0, int p1, float[] c,
                                 int cOff, int ldc) {
        gemm(a, aOff, lda, m, b, p0, p1, c, cOff, ldc, null, Epilogue.STORE, 1f);
    }

    @Override
    public String description() {
        return "scalar Java (start the JVM with --add-modules jdk.incubator.vector for the Vector API)";
    }

    @Override
    public void gemm(float[] a, int aOff, int lda, int m, PackedMatrix b, int p0, int p1,
                     float[] c, int cOff, int ldc, float[] bias, Epilogue epilogue, float scale) {
        if (b.width != NR) {
            throw new IllegalArgumentException("matrix packed for width " + b.width + ", kernel wants " + NR);
        }
        int k = b.cols;
        float[] bp = b.data;
        float[] acc = new float[MR * NR];
        for (int p = p0; p < p1; p++) {
            int bo = p * k * NR;
            int n0 = p * NR;
            int nValid = Math.min(NR, b.rows - n0);
            for (int i = 0; i < m; i += MR) {
                int rows = Math.min(MR, m - i);
                java.util.Arrays.fill(acc, 0f);
                for (int r = 0; r < rows; r++) {
                    int ar = aOff + (i + r) * lda;
                    int accOff = r * NR;
                    for (int kk = 0; kk < k; kk++) {
                        float x = a[ar + kk];
                        int o = bo + kk * NR;
                        for (int j = 0; j < NR; j++) {
                            acc[accOff + j] += x * bp[o + j];
                        }
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int cr = cOff + (i + r) * ldc + n0;
                    for (int j = 0; j < nValid; j++) {
                        float v = acc[r * NR + j] + (bias == null ? 0f : bias[n0 + j]);
                        c[cr + j] = switch (epilogue) {
                            case STORE -> v;
                            case SWISH -> v / (1f + (float) Math.exp(-v));
                            case ACCUMULATE -> c[cr + j] + scale * v;
                        };
                    }
                }
            }
        }
    }

    @Override
    public void gluRow(float[] x, int i, float[] out, int o, int channels) {
        for (int j = 0; j < channels; j++) {
            out[o + j] = x[i + j] / (1f + (float) Math.exp(-x[i + channels + j]));
        }
    }

    @Override
    public void swish(float[] x, int off, int n) {
        for (int j = 0; j < n; j++) {
            float v = x[off + j];
            x[off + j] = v / (1f + (float) Math.exp(-v));
        }
    }

    @Override
    public void multiplyAdd(float[] y, int yOff, float[] w, int wOff, float[] x, int xOff, int n) {
        for (int j = 0; j < n; j++) {
            y[yOff + j] += w[wOff + j] * x[xOff + j];
        }
    }

    /** Mean and variance accumulated in double. */
    @Override
    public void normalizeRow(float[] x, float[] out, int off, int n, float[] gamma, float[] beta, float eps,
                             boolean clampVariance) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += x[off + j];
        }
        double mean = sum / n;
        double sq = 0;
        for (int j = 0; j < n; j++) {
            double d = x[off + j] - mean;
            sq += d * d;
        }
        double var = sq / n;
        double inv = 1.0 / Math.sqrt(clampVariance ? Math.max(var, eps) : var + eps);
        for (int j = 0; j < n; j++) {
            float v = (float) ((x[off + j] - mean) * inv) * gamma[j];
            out[off + j] = beta == null ? v : v + beta[j];
        }
    }

    @Override
    public void softmax(float[] s, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, s[off + j]);
        }
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(s[off + j] - max);
            s[off + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) {
            s[off + j] *= inv;
        }
    }
}
