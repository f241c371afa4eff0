package org.soundstorm4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * Whether the CUDA tests can run: probed once. Without a GPU (or without kernels in the build)
 * they skip with the reason, and with {@code -Dcuda.required=true} they fail instead.
 */
public final class CudaDevice {
    private static final String UNAVAILABLE = CudaBackend.unavailableReason();

    private CudaDevice() {
    }

    /** Skips (or, when required, fails) the calling test if CUDA cannot run here. */
    public static void require() {
        if (UNAVAILABLE != null && Boolean.getBoolean("cuda.required")) {
            fail("-Dcuda.required=true but " + UNAVAILABLE);
        }
        Assumptions.assumeTrue(UNAVAILABLE == null, () -> "CUDA tests skipped: " + UNAVAILABLE);
    }

    /** A backend with these options (after {@link #require}). */
    public static CudaBackend backend(CudaOptions options) {
        require();
        return new CudaBackend(options);
    }
}
