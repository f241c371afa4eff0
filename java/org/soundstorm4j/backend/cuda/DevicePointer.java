package org.soundstorm4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/** JCuda handles whose raw addresses we pass on as {@code long}s (to kernels and to cuBLAS). */
final class DevicePointer extends CUdeviceptr {
    /** The device address (JCuda keeps it protected). */
    long address() {
        return getNativePointer();
    }

    /** A stream whose {@code cudaStream_t} value cuBLAS can be given. */
    static final class Stream extends CUstream {
        long address() {
            return getNativePointer();
        }
    }
}
