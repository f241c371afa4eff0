import jdk.incubator.vector.*;
import java.util.*;

/**
 * The CPU backend's 6 x 2-vector matrix-product micro-kernel (VectorKernels.tile6, AVX-512) on
 * fp32 packed panels against the same kernel on panels stored in bf16 and widened to fp32 in
 * registers, single thread, C[M, N] = A[M, K] B[K, N], the CpuBackend's 48-row x 4-panel blocking.
 * Variants: "pairs" (two bf16 per int, column i low and i + 16 high: one load, a shift and an
 * and per 32 floats) or "convert" (32 shorts widened with convertShape S2I, part 0 and 1).
 * Measured for docs/BENCHMARKS.md ("bf16 panels"):
 *   java --add-modules jdk.incubator.vector bench/Bf16Gemm.java M K N REPEATS [pairs|convert]
 */
public class Bf16Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final VectorSpecies<Short> SH = ShortVector.SPECIES_512;
    static final VectorSpecies<Integer> SI = IntVector.SPECIES_512;
    static final int L = 16, NR = 32, MR = 6;

    static void tile6(float[] a, int ar, int lda, float[] bp, int bo, int k, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = ar, a1 = ar + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int kk = 0; kk < k; kk++) {
            int o = bo + kk * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, o);
            FloatVector b1 = FloatVector.fromArray(S, bp, o + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + kk]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + kk]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L); c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L); c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
    }

    /** Same, with the panel stored as bf16 (upper halves of floats): widen each 32-short load into two float vectors. */
    static void tile6bf(float[] a, int ar, int lda, short[] bp, int bo, int k, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = ar, a1 = ar + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int kk = 0; kk < k; kk++) {
            int o = bo + kk * NR;
            ShortVector h = ShortVector.fromArray(SH, bp, o);
            FloatVector b0 = ((IntVector) h.convertShape(VectorOperators.S2I, SI, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = ((IntVector) h.convertShape(VectorOperators.S2I, SI, 1)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + kk]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + kk]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L); c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L); c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
    }

    static void store(float[] t, FloatVector... v) {
        for (int i = 0; i < v.length; i++) v[i].intoArray(t, i * L);
    }

    /** bf16 pairs packed in ints: int i of a k-row holds column i in its low half and column i + 16 in its high half. */
    static void tile6pair(float[] a, int ar, int lda, int[] bp, int bo, int k, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a0 = ar, a1 = ar + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int kk = 0; kk < k; kk++) {
            IntVector h = IntVector.fromArray(SI, bp, bo + kk * L);
            FloatVector b0 = h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector b1 = h.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]); c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]); c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]); c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]); c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + kk]); c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + kk]); c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L); c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L); c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
    }

    static int[] pairs;
    static boolean convert;

    static double run(boolean bf, float[] a, float[] bp, short[] bh, int m, int k, int n, float[] c) {
        float[] tile = new float[MR * NR];
        long t0 = System.nanoTime();
        int panels = n / NR;
        // same blocking as CpuBackend: 48-row blocks x 4-panel chunks
        for (int i0 = 0; i0 < m; i0 += 48) for (int p0 = 0; p0 < panels; p0 += 4)
            for (int p = p0; p < Math.min(panels, p0 + 4); p++)
                for (int i = i0; i + MR <= Math.min(m, i0 + 48); i += MR) {
                    if (bf && convert) tile6bf(a, i * k, k, bh, p * k * NR, k, tile); else if (bf) tile6pair(a, i * k, k, pairs, p * k * L, k, tile); else tile6(a, i * k, k, bp, p * k * NR, k, tile);
                    for (int r = 0; r < MR; r++) System.arraycopy(tile, r * NR, c, (i + r) * n + p * NR, NR);
                }
        return (System.nanoTime() - t0) / 1e6;
    }

    public static void main(String[] args) {
        int m = Integer.parseInt(args[0]), k = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]), reps = Integer.parseInt(args[3]);
        convert = args.length > 4 && args[4].equals("convert");
        Random r = new Random(1);
        float[] a = new float[m * k]; for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        float[] bp = new float[k * n]; short[] bh = new short[k * n];
        for (int i = 0; i < bp.length; i++) { bh[i] = (short) (Float.floatToRawIntBits(r.nextFloat() - 0.5f) >>> 16); bp[i] = Float.intBitsToFloat(bh[i] << 16); }
        pairs = new int[k * n / 2];
        for (int p = 0; p < n / NR; p++) for (int kk = 0; kk < k; kk++) for (int i = 0; i < L; i++) {
            int o = p * k * NR + kk * NR;
            pairs[p * k * L + kk * L + i] = (bh[o + i] & 0xFFFF) | (bh[o + i + L] << 16);
        }
        float[] c1 = new float[m * n], c2 = new float[m * n];
        for (int w = 0; w < 5; w++) { run(false, a, bp, bh, m, k, n, c1); run(true, a, bp, bh, m, k, n, c2); }
        if (!Arrays.equals(c1, c2)) System.out.println("MISMATCH");
        double[] f = new double[reps], h = new double[reps];
        for (int i = 0; i < reps; i++) { f[i] = run(false, a, bp, bh, m, k, n, c1); h[i] = run(true, a, bp, bh, m, k, n, c2); }
        Arrays.sort(f); Arrays.sort(h);
        double fl = 2.0 * m * k * n / 1e6;
        System.out.printf("%s M %d K %d N %d: fp32 min %.1f ms (%.1f GFLOP/s) median %.1f; bf16 min %.1f ms (%.1f GFLOP/s) median %.1f; bf16/fp32 min %.3f median %.3f%n",
            convert ? "convert" : "pairs", m, k, n, f[0], fl / f[0], f[reps / 2], h[0], fl / h[0], h[reps / 2], h[0] / f[0], h[reps / 2] / f[reps / 2]);
    }
}
