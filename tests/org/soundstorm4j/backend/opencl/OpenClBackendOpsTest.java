package org.soundstorm4j.backend.opencl;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.BackendOpsContract;

/** Every op of the OpenCL backend (the portable kernels) against the double-precision oracle. */
class OpenClBackendOpsTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        OpenClDevice.require();
        return new OpenClBackend();
    }
}
