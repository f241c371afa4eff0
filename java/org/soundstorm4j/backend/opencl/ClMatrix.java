package org.soundstorm4j.backend.opencl;

import org.soundstorm4j.backend.MatrixWeight;

/** A weight matrix {@code [rows, cols]} kept row-major in an OpenCL buffer. */
record ClMatrix(ClTensor data, int rows, int cols) implements MatrixWeight {
}
