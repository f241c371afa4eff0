package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.Tensor;

/** A float tensor of the CPU backend: a Java array. */
record CpuTensor(float[] data) implements Tensor {
    @Override
    public long size() {
        return data.length;
    }
}
