package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.BackendOpsContract;

/** The CPU backend on one thread: the work split must not change results. */
class SingleThreadCpuBackendTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(1, VectorKernelsLoader.load());
    }
}
