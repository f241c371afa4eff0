package org.soundstorm4j.backend.opencl;

import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.Tensor;

/** An OpenCL buffer of {@code size} 32-bit elements (floats or ints): a {@code cl_mem} handle. */
record ClTensor(long mem, long size, boolean ints) implements Tensor, IntTensor {
}
