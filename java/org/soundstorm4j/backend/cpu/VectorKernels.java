package org.soundstorm4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CpuKernels} on the Vector API. The matrix product keeps a 6-row by 2-vector tile of C in
 * registers (12 accumulators: 6 x 32 floats with AVX-512), broadcasting one A element per row and
 * loading two vectors of the packed panel per k, so each loaded float feeds 6 or 32 FMAs.
 */
final class VectorKernels implements CpuKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR = 6;

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public String description() {
        return "Vector API, " + S.vectorBitSize() + "-bit";
    }

    @Override
    public void gemm(float[] a, int aOff, int lda, int m, PackedMatrix b, int p0, int p1,
                     float[] c, int cOff, int ldc, float[] bias, Epilogue epilogue, float scale) {
        if (b.width != NR) {
            throw new IllegalArgumentException("matrix packed for width " + b.width + ", kernel wants " + NR);
        }
        // The micro-kernels only store raw sums into this tile; the epilogue runs as a separate
        // loop. Keeping bias, activation and masking out of the kernels keeps them small enough
        // for C2 to hold all accumulators in registers (with them inside it ran 4x slower).
        float[] tile = new float[MR * NR];
        if (b.rows == 1) {
            oneColumn(a, aOff, lda, m, b, tile, c, cOff, ldc, bias, epilogue, scale);
            return;
        }
        for (int p = p0; p < p1; p++) {
            int n0 = p * NR;
            int nValid = Math.min(NR, b.rows - n0);
            int i = 0;
            for (; i + MR <= m; i += MR) {
                tile6(a, aOff + i * lda, lda, b, p, tile);
                finish(tile, 0, MR, c, cOff + i * ldc, ldc, n0, nValid, bias, epilogue, scale);
            }
            if (i < m && m >= MR) {
                // The last rows: recompute a full 6-row tile ending at row m and write only the
                // rows not yet written. One 6-row tile costs about what one 1-row tile does.
                int skip = MR - (m - i);
                tile6(a, aOff + (m - MR) * lda, lda, b, p, tile);
                finish(tile, skip, MR, c, cOff + (m - MR) * ldc, ldc, n0, nValid, bias, epilogue, scale);
                i = m;
            }
            for (; i < m; i++) {
                tile1(a, aOff + i * lda, b, p, tile);
                finish(tile, 0, 1, c, cOff + i * ldc, ldc, n0, nValid, bias, epilogue, scale);
            }
        }
    }

    /**
     * A matrix of one output column (a conv to one channel, the waveform): a panel's other 2L - 1
     * columns are padding, so the tiles would do 2L times the work. Each row is instead one dot
     * product along k with the column, the lanes summed in order.
     */
    private static void oneColumn(float[] a, int aOff, int lda, int m, PackedMatrix b, float[] tile,
                                  float[] c, int cOff, int ldc, float[] bias, Epilogue epilogue, float scale) {
        int k = b.cols;
        float[] column = new float[k];
        for (int kk = 0; kk < k; kk++) {
            column[kk] = b.data[kk * NR];
        }
        for (int i0 = 0; i0 < m; i0 += MR) {
            int rows = Math.min(MR, m - i0);
            for (int r = 0; r < rows; r++) {
                int ar = aOff + (i0 + r) * lda;
                FloatVector sum = FloatVector.zero(S);
                int kk = 0;
                for (int upper = S.loopBound(k); kk < upper; kk += L) {
                    sum = FloatVector.fromArray(S, a, ar + kk).fma(FloatVector.fromArray(S, column, kk), sum);
                }
                if (kk < k) {
                    VectorMask<Float> mask = S.indexInRange(kk, k);
                    sum = FloatVector.fromArray(S, a, ar + kk, mask).fma(FloatVector.fromArray(S, column, kk, mask), sum);
                }
                tile[r * NR] = sumInOrder(sum);
            }
            finish(tile, 0, rows, c, cOff + i0 * ldc, ldc, 0, 1, bias, epilogue, scale);
        }
    }

    /**
     * Two rows at a time, then the odd one: each row's sum over k runs as two chains (even and odd
     * k), added at the end, so two multiply-adds per column are in flight instead of one; 8
     * accumulators for two rows, 4 for one, the same arithmetic per row either way.
     */
    @Override
    public void recurrentProduct(float[] a, int aOff, int lda, int m, PackedMatrix b, int p0, int p1, float[] c,
                                 int cOff, int ldc) {
        if (b.width != NR) {
            throw new IllegalArgumentException("matrix packed for width " + b.width + ", kernel wants " + NR);
        }
        float[] tile = new float[2 * NR];
        for (int p = p0; p < p1; p++) {
            int n0 = p * NR;
            int nValid = Math.min(NR, b.rows - n0);
            int i = 0;
            for (; i + 1 < m; i += 2) {
                twoRowsSplit(a, aOff + i * lda, aOff + (i + 1) * lda, b, p, tile);
                finish(tile, 0, 2, c, cOff + i * ldc, ldc, n0, nValid, null, Epilogue.STORE, 1f);
            }
            if (i < m) {
                oneRowSplit(a, aOff + i * lda, b, p, tile);
                finish(tile, 0, 1, c, cOff + i * ldc, ldc, n0, nValid, null, Epilogue.STORE, 1f);
            }
        }
    }

    private static void oneRowSplit(float[] a, int ar, PackedMatrix b, int p, float[] tile) {
        int k = b.cols;
        float[] bp = b.data;
        int bo = p * k * NR;
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
        FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S);
        int kk = 0;
        for (; kk + 1 < k; kk += 2) {
            int o = bo + kk * NR;
            FloatVector x = FloatVector.broadcast(S, a[ar + kk]);
            e0 = FloatVector.fromArray(S, bp, o).fma(x, e0);
            e1 = FloatVector.fromArray(S, bp, o + L).fma(x, e1);
            FloatVector y = FloatVector.broadcast(S, a[ar + kk + 1]);
            o0 = FloatVector.fromArray(S, bp, o + NR).fma(y, o0);
            o1 = FloatVector.fromArray(S, bp, o + NR + L).fma(y, o1);
        }
        if (kk < k) {
            int o = bo + kk * NR;
            FloatVector x = FloatVector.broadcast(S, a[ar + kk]);
            e0 = FloatVector.fromArray(S, bp, o).fma(x, e0);
            e1 = FloatVector.fromArray(S, bp, o + L).fma(x, e1);
        }
        e0.add(o0).intoArray(tile, 0);
        e1.add(o1).intoArray(tile, L);
    }

    private static void twoRowsSplit(float[] a, int ar0, int ar1, PackedMatrix b, int p, float[] tile) {
        int k = b.cols;
        float[] bp = b.data;
        int bo = p * k * NR;
        FloatVector e00 = FloatVector.zero(S), e01 = FloatVector.zero(S), o00 = FloatVector.zero(S), o01 = FloatVector.zero(S);
        FloatVector e10 = FloatVector.zero(S), e11 = FloatVector.zero(S), o10 = FloatVector.zero(S), o11 = FloatVector.zero(S);
        int kk = 0;
        for (; kk + 1 < k; kk += 2) {
            int o = bo + kk * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, o);
            FloatVector b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector x = FloatVector.broadcast(S, a[ar0 + kk]);
            e00 = b0.fma(x, e00);
            e01 = b1.fma(x, e01);
            x = FloatVector.broadcast(S, a[ar1 + kk]);
            e10 = b0.fma(x, e10);
            e11 = b1.fma(x, e11);
            b0 = FloatVector.fromArray(S, bp, o + NR);
            b1 = FloatVector.fromArray(S, bp, o + NR + L);
            x = FloatVector.broadcast(S, a[ar0 + kk + 1]);
            o00 = b0.fma(x, o00);
            o01 = b1.fma(x, o01);
            x = FloatVector.broadcast(S, a[ar1 + kk + 1]);
            o10 = b0.fma(x, o10);
            o11 = b1.fma(x, o11);
        }
        if (kk < k) {
            int o = bo + kk * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, o);
            FloatVector b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector x = FloatVector.broadcast(S, a[ar0 + kk]);
            e00 = b0.fma(x, e00);
            e01 = b1.fma(x, e01);
            x = FloatVector.broadcast(S, a[ar1 + kk]);
            e10 = b0.fma(x, e10);
            e11 = b1.fma(x, e11);
        }
        e00.add(o00).intoArray(tile, 0);
        e01.add(o01).intoArray(tile, L);
        e10.add(o10).intoArray(tile, NR);
        e11.add(o11).intoArray(tile, NR + L);
    }

    /** Sums of 6 rows of A against one packed panel, into {@code tile[6][NR]}. */
    private static void tile6(float[] a, int ar, int lda, PackedMatrix b, int p, float[] tile) {
        int k = b.cols;
        float[] bp = b.data;
        int bo = p * k * NR;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = ar, a1 = ar + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int kk = 0; kk < k; kk++) {
            int o = bo + kk * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, o);
            FloatVector b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + kk]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + kk]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    /** Sums of one row of A against one packed panel, into {@code tile[0][NR]}. */
    private static void tile1(float[] a, int ar, PackedMatrix b, int p, float[] tile) {
        int k = b.cols;
        float[] bp = b.data;
        int bo = p * k * NR;
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        for (int kk = 0; kk < k; kk++) {
            int o = bo + kk * NR;
            FloatVector x = FloatVector.broadcast(S, a[ar + kk]);
            c0 = FloatVector.fromArray(S, bp, o).fma(x, c0);
            c1 = FloatVector.fromArray(S, bp, o + L).fma(x, c1);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, L);
    }

    /** Adds the bias, applies the epilogue and writes tile rows {@code [fromRow, toRow)} to C. */
    private static void finish(float[] tile, int fromRow, int toRow, float[] c, int cr, int ldc, int n0, int nValid,
                               float[] bias, Epilogue epilogue, float scale) {
        int full = nValid - nValid % L;
        for (int r = fromRow; r < toRow; r++) {
            int t = r * NR;
            int at = cr + r * ldc + n0;
            int j = 0;
            for (; j < full; j += L) {
                FloatVector v = FloatVector.fromArray(S, tile, t + j);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, n0 + j));
                }
                switch (epilogue) {
                    case STORE -> v.intoArray(c, at + j);
                    case SWISH -> swish(v).intoArray(c, at + j);
                    case ACCUMULATE -> v.fma(FloatVector.broadcast(S, scale), FloatVector.fromArray(S, c, at + j))
                            .intoArray(c, at + j);
                }
            }
            for (; j < nValid; j++) {
                float v = tile[t + j] + (bias == null ? 0f : bias[n0 + j]);
                c[at + j] = switch (epilogue) {
                    case STORE -> v;
                    case SWISH -> v / (1f + (float) Math.exp(-v));
                    case ACCUMULATE -> c[at + j] + scale * v;
                };
            }
        }
    }

    private static FloatVector swish(FloatVector v) {
        return v.div(exp(v.neg()).add(1f));
    }

    /** Below this |x| expm1 is a polynomial: e^x - 1 would lose x's digits to the subtraction. */
    private static final float EXPM1_SERIES_BOUND = 0.5f;

    /**
     * ELU with masked loads for the last partial vector, so every element goes through the same
     * lanes' arithmetic ({@link #expm1}).
     */
    @Override
    public void elu(float[] x, int i, float[] out, int o, int n) {
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector v = FloatVector.fromArray(S, x, i + j, m);
            expm1(v).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(out, o + j, m);
        }
    }

    /**
     * e^x - 1: the series {@code x + x^2/2! + ... + x^9/9!} (truncation below 2e-9 for |x| < 0.5),
     * else {@code exp(x) - 1} from {@link #exp}; about 3e-7 relative to the result.
     */
    private static FloatVector expm1(FloatVector v) {
        FloatVector series = FloatVector.broadcast(S, 1f / 362880f).fma(v, FloatVector.broadcast(S, 1f / 40320f));
        series = series.fma(v, FloatVector.broadcast(S, 1f / 5040f));
        series = series.fma(v, FloatVector.broadcast(S, 1f / 720f));
        series = series.fma(v, FloatVector.broadcast(S, 1f / 120f));
        series = series.fma(v, FloatVector.broadcast(S, 1f / 24f));
        series = series.fma(v, FloatVector.broadcast(S, 1f / 6f));
        series = series.fma(v, FloatVector.broadcast(S, 0.5f));
        series = series.fma(v, FloatVector.broadcast(S, 1f)).mul(v);
        return exp(v).sub(1f).blend(series, v.abs().compare(VectorOperators.LT, EXPM1_SERIES_BOUND));
    }

    /** {@code 1 / (1 + e^-x)}; 0 and 1 at the ends ({@link #exp} clamps its argument). */
    private static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(exp(x.neg()).add(1f));
    }

    /**
     * {@code tanh(x) = expm1(2x) / (expm1(2x) + 2)}: accurate near 0, where {@code 1 - 2/(e^2x + 1)}
     * would lose the digits, and exactly +-1 far out ({@link #exp} clamps at 88.3, so no inf/inf).
     */
    private static FloatVector tanh(FloatVector x) {
        FloatVector e = expm1(x.add(x));
        return e.div(e.add(2f));
    }

    @Override
    public void lstmCell(float[] rec, int ri, int recGateStride, float[] in, int ii, int inGateStride,
                         float[] c, int co, float[] h, int ho, int n) {
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector i = preActivation(rec, ri + j, in, ii + j, m);
            FloatVector f = preActivation(rec, ri + recGateStride + j, in, ii + inGateStride + j, m);
            FloatVector g = preActivation(rec, ri + 2 * recGateStride + j, in, ii + 2 * inGateStride + j, m);
            FloatVector o = preActivation(rec, ri + 3 * recGateStride + j, in, ii + 3 * inGateStride + j, m);
            FloatVector cell = sigmoid(f).mul(FloatVector.fromArray(S, c, co + j, m)).add(sigmoid(i).mul(tanh(g)));
            cell.intoArray(c, co + j, m);
            sigmoid(o).mul(tanh(cell)).intoArray(h, ho + j, m);
        }
    }

    private static FloatVector preActivation(float[] rec, int r, float[] in, int i, VectorMask<Float> m) {
        return FloatVector.fromArray(S, rec, r, m).add(FloatVector.fromArray(S, in, i, m));
    }

    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float below 2^22 to the nearest integer. */
    private static final float ROUND_MAGIC = 12582912f;
    /** ln 2 split so that k * LN2_HIGH is exact for |k| < 2^8 (Cephes). */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;

    /**
     * e^x from IEEE operations only (Cephes' expf: x = k ln2 + r, a degree-7 polynomial in r,
     * times 2^k), for x clamped to [-87.3, 88.3]. Unlike {@code lanewise(EXP)}, whose intrinsic
     * and interpreted fallback differ in the last bits, this gives the same bits before and after
     * the JIT compiles it, so a forward pass is exactly repeatable. Relative error about 2e-7.
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(-87.3f).min(88.3f);
        FloatVector k = x.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
        FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HIGH), x);
        r = k.fma(FloatVector.broadcast(S, -LN2_LOW), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f).fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r.add(1f));
        IntVector exponent = (IntVector) k.convert(VectorOperators.F2I, 0);
        return p.mul(exponent.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /** The lanes' sum in lane order: {@code reduceLanes(ADD)} may add in any order. */
    private static float sumInOrder(FloatVector v) {
        float[] lanes = new float[L];
        v.intoArray(lanes, 0);
        float sum = 0f;
        for (float lane : lanes) {
            sum += lane;
        }
        return sum;
    }

    @Override
    public void gluRow(float[] x, int i, float[] out, int o, int channels) {
        int j = 0;
        for (int upper = S.loopBound(channels); j < upper; j += L) {
            FloatVector value = FloatVector.fromArray(S, x, i + j);
            FloatVector gate = FloatVector.fromArray(S, x, i + channels + j);
            value.div(exp(gate.neg()).add(1f)).intoArray(out, o + j);
        }
        for (; j < channels; j++) {
            out[o + j] = x[i + j] / (1f + (float) Math.exp(-x[i + channels + j]));
        }
    }

    @Override
    public void swish(float[] x, int off, int n) {
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {
            swish(FloatVector.fromArray(S, x, off + j)).intoArray(x, off + j);
        }
        for (; j < n; j++) {
            float v = x[off + j];
            x[off + j] = v / (1f + (float) Math.exp(-v));
        }
    }

    @Override
    public void multiplyAdd(float[] y, int yOff, float[] w, int wOff, float[] x, int xOff, int n) {
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += L) {
            FloatVector.fromArray(S, w, wOff + j).fma(FloatVector.fromArray(S, x, xOff + j),
                    FloatVector.fromArray(S, y, yOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] += w[wOff + j] * x[xOff + j];
        }
    }

    /**
     * Sums run in per-lane partial sums of values shifted by the row's first element, so
     * rows of nearly equal values lose no precision to cancellation.
     */
    @Override
    public void normalizeRow(float[] x, float[] out, int off, int n, float[] gamma, float[] beta, float eps,
                             boolean clampVariance) {
        int upper = S.loopBound(n);
        float shift = x[off];
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j < upper; j += L) {
            acc = acc.add(FloatVector.fromArray(S, x, off + j).sub(shift));
        }
        float sum = sumInOrder(acc);
        for (; j < n; j++) {
            sum += x[off + j] - shift;
        }
        // mean = shift + shiftedMean; never formed, as rounding it to a float is the error we avoid
        float shiftedMean = sum / n;
        acc = FloatVector.zero(S);
        j = 0;
        for (; j < upper; j += L) {
            FloatVector d = FloatVector.fromArray(S, x, off + j).sub(shift).sub(shiftedMean);
            acc = d.fma(d, acc);
        }
        float sq = sumInOrder(acc);
        for (; j < n; j++) {
            float d = x[off + j] - shift - shiftedMean;
            sq += d * d;
        }
        float var = sq / n;
        float inv = (float) (1.0 / Math.sqrt(clampVariance ? Math.max(var, eps) : var + eps));
        j = 0;
        for (; j < upper; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, off + j).sub(shift).sub(shiftedMean).mul(inv)
                    .mul(FloatVector.fromArray(S, gamma, j));
            if (beta != null) {
                v = v.add(FloatVector.fromArray(S, beta, j));
            }
            v.intoArray(out, off + j);
        }
        for (; j < n; j++) {
            float v = (x[off + j] - shift - shiftedMean) * inv * gamma[j];
            out[off + j] = beta == null ? v : v + beta[j];
        }
    }

    @Override
    public void softmax(float[] s, int off, int n) {
        int upper = S.loopBound(n);
        FloatVector maxV = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j < upper; j += L) {
            maxV = maxV.max(FloatVector.fromArray(S, s, off + j));
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            max = Math.max(max, s[off + j]);
        }
        FloatVector sumV = FloatVector.zero(S);
        j = 0;
        for (; j < upper; j += L) {
            FloatVector e = exp(FloatVector.fromArray(S, s, off + j).sub(max));
            e.intoArray(s, off + j);
            sumV = sumV.add(e);
        }
        float sum = sumInOrder(sumV);
        for (; j < n; j++) {
            float e = (float) Math.exp(s[off + j] - max);
            s[off + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        j = 0;
        for (; j < upper; j += L) {
            FloatVector.fromArray(S, s, off + j).mul(inv).intoArray(s, off + j);
        }
        for (; j < n; j++) {
            s[off + j] *= inv;
        }
    }
}
