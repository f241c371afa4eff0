package org.soundstorm4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.BackendOpsContract;
import org.soundstorm4j.backend.MatrixWeight;

/** Every op of the CUDA backend in FP32 (cuBLAS products, portable kernels) against the double-precision oracle. */
class CudaBackendOpsTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return CudaDevice.backend(CudaOptions.defaults());
    }

    @Test
    void lstmRecurrenceRefusesTheBf16CopyOfWhhBfloatProductsKeep() {
        try (CudaBackend bf16 = CudaDevice.backend(CudaOptions.defaults().withPrecision(MatmulPrecision.BF16))) {
            MatrixWeight whh = bf16.uploadMatrix(new float[16 * 4], 16, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bf16.lstmRecurrence(
                    bf16.allocate(16), whh, bf16.allocate(4), bf16.allocate(4), bf16.allocate(4), 1, 1, 4));
            assertTrue(e.getMessage().contains("fp32"), e.getMessage());
        }
    }
}
