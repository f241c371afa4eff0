package org.soundstorm4j.backend.opencl;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodingContract;

/** The OpenCL decoding kernels against the CPU backend, and a whole generation on the device. */
class OpenClDecodingTest extends DecodingContract {
    @Override
    protected Backend createBackend() {
        OpenClDevice.require();
        return new OpenClBackend();
    }

    @Override
    protected long[] transfers(Backend backend) {
        OpenClBackend b = (OpenClBackend) backend;
        return new long[] {b.uploads(), b.downloads()};
    }
}
