package org.soundstorm4j.backend.opencl;

import org.soundstorm4j.backend.PhiloxDrawsContract;

/** kernels/philox.h built by the OpenCL backend draws the Java numbers bit for bit. */
class PhiloxKernelTest extends PhiloxDrawsContract {
    @Override
    protected int[] draws(int[] coordinates) {
        OpenClDevice.require();
        try (OpenClBackend backend = new OpenClBackend()) {
            return backend.philoxDraws(coordinates);
        }
    }
}
