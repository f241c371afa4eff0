package org.soundstorm4j.backend.cuda;

import org.soundstorm4j.backend.PhiloxDrawsContract;

/** kernels/philox.h compiled by nvcc draws the Java numbers bit for bit. */
class CudaPhiloxTest extends PhiloxDrawsContract {
    @Override
    protected int[] draws(int[] coordinates) {
        try (CudaBackend backend = CudaDevice.backend(CudaOptions.defaults())) {
            return backend.philoxDraws(coordinates);
        }
    }
}
