package org.soundstorm4j.backend.cuda;

import org.soundstorm4j.backend.MatrixWeight;

/** A weight matrix {@code [rows, cols]}, row-major on the device in fp32 or (BF16 products) bf16. */
record CudaMatrix(CudaBuffer data, int rows, int cols) implements MatrixWeight {
}
