package org.soundstorm4j.backend.cuda;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.BackendOpsContract;

/** Every op of the CUDA backend in FP32 (cuBLAS products, portable kernels) against the double-precision oracle. */
class CudaBackendOpsTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return CudaDevice.backend(CudaOptions.defaults());
    }
}
