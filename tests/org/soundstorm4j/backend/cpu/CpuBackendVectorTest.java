package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.BackendOpsContract;

/** The CPU backend's ops with the Vector API kernels (the tests run with the module added). */
class CpuBackendVectorTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2, VectorKernelsLoader.load());
    }
}
