package org.soundstorm4j.backend.cuda;

import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.Tensor;

/**
 * Device memory of {@code size} elements of one {@link Kind}, allocated with cuMemAlloc.
 *
 * @param pointer the JCuda handle (driver calls need it); {@link #address()} is its value
 */
record CudaBuffer(DevicePointer pointer, long size, Kind kind) implements Tensor, IntTensor {

    /** What the elements are. */
    enum Kind {
        FLOAT(4), INT(4), BF16(2);

        final int bytes;

        Kind(int bytes) {
            this.bytes = bytes;
        }
    }

    long address() {
        return pointer.address();
    }

    long bytes() {
        return size * kind.bytes;
    }
}
