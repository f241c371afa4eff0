package org.soundstorm4j.backend.cuda;

import java.util.Locale;

/**
 * How the CUDA backend's matrix products (cuBLAS) multiply; every product accumulates in fp32
 * and every other op computes in fp32.
 */
public enum MatmulPrecision {
    /** IEEE fp32 products: matches the CPU backend to about 1e-5. */
    FP32,
    /** fp32 data through TF32 tensor cores (10-bit mantissas in the multiply). */
    TF32,
    /**
     * bf16 weights (converted once at upload) and bf16 activations (converted before each
     * product) on tensor cores; attention also runs on tensor cores in bf16.
     */
    BF16;

    /** Parses "fp32", "tf32" or "bf16" (any case). */
    public static MatmulPrecision parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown CUDA precision '" + name + "': use fp32, tf32 or bf16");
        }
    }
}
