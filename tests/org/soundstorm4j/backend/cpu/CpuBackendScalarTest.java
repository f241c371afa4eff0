package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.BackendOpsContract;

/** The CPU backend's ops with the scalar fallback kernels (what runs without the Vector API). */
class CpuBackendScalarTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2, new ScalarKernels());
    }
}
