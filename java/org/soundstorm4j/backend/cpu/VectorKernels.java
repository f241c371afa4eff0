package org.soundstorm4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
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
        for (int p = p0; p < p1; p++) {
            int i = 0;
            for (; i + MR <= m; i += MR) {
                tile6(a, aOff + i * lda, lda, b, p, c, cOff + i * ldc, ldc, bias, epilogue, scale);
            }
            for (; i < m; i++) {
                tile1(a, aOff + i * lda, b, p, c, cOff + i * ldc, bias, epilogue, scale);
            }
        }
    }

    private static void tile6(float[] a, int ar, int lda, PackedMatrix b, int p, float[] c, int cr, int ldc,
                              float[] bias, Epilogue epilogue, float scale) {
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
        int n0 = p * NR;
        int nValid = Math.min(NR, b.rows - n0);
        store(c00, c01, c, cr, n0, nValid, bias, epilogue, scale);
        store(c10, c11, c, cr + ldc, n0, nValid, bias, epilogue, scale);
        store(c20, c21, c, cr + 2 * ldc, n0, nValid, bias, epilogue, scale);
        store(c30, c31, c, cr + 3 * ldc, n0, nValid, bias, epilogue, scale);
        store(c40, c41, c, cr + 4 * ldc, n0, nValid, bias, epilogue, scale);
        store(c50, c51, c, cr + 5 * ldc, n0, nValid, bias, epilogue, scale);
    }

    private static void tile1(float[] a, int ar, PackedMatrix b, int p, float[] c, int cr,
                              float[] bias, Epilogue epilogue, float scale) {
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
        int n0 = p * NR;
        store(c0, c1, c, cr, n0, Math.min(NR, b.rows - n0), bias, epilogue, scale);
    }

    /** Applies the epilogue to one row of a tile (columns n0 .. n0+nValid) and writes it to C. */
    private static void store(FloatVector v0, FloatVector v1, float[] c, int cr, int n0, int nValid,
                              float[] bias, Epilogue epilogue, float scale) {
        if (nValid == NR) {
            storeVector(v0, c, cr + n0, bias, n0, epilogue, scale, null);
            storeVector(v1, c, cr + n0 + L, bias, n0 + L, epilogue, scale, null);
        } else {
            VectorMask<Float> m0 = S.indexInRange(0, nValid);
            VectorMask<Float> m1 = S.indexInRange(L, nValid);
            storeVector(v0, c, cr + n0, bias, n0, epilogue, scale, m0);
            if (nValid > L) {
                storeVector(v1, c, cr + n0 + L, bias, n0 + L, epilogue, scale, m1);
            }
        }
    }

    private static void storeVector(FloatVector v, float[] c, int at, float[] bias, int biasAt,
                                    Epilogue epilogue, float scale, VectorMask<Float> mask) {
        if (bias != null) {
            v = v.add(mask == null ? FloatVector.fromArray(S, bias, biasAt)
                    : FloatVector.fromArray(S, bias, biasAt, mask));
        }
        switch (epilogue) {
            case STORE -> { }
            case SWISH -> v = swish(v);
            case ACCUMULATE -> {
                FloatVector old = mask == null ? FloatVector.fromArray(S, c, at)
                        : FloatVector.fromArray(S, c, at, mask);
                v = v.fma(FloatVector.broadcast(S, scale), old);
            }
        }
        if (mask == null) {
            v.intoArray(c, at);
        } else {
            v.intoArray(c, at, mask);
        }
    }

    private static FloatVector swish(FloatVector v) {
        return v.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    @Override
    public void gluRow(float[] x, int i, float[] out, int o, int channels) {
        int j = 0;
        for (int upper = S.loopBound(channels); j < upper; j += L) {
            FloatVector value = FloatVector.fromArray(S, x, i + j);
            FloatVector gate = FloatVector.fromArray(S, x, i + channels + j);
            value.div(gate.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(out, o + j);
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
            FloatVector e = FloatVector.fromArray(S, s, off + j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(s, off + j);
            sumV = sumV.add(e);
        }
        float sum = sumV.reduceLanes(VectorOperators.ADD);
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
