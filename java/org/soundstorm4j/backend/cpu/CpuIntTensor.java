package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.IntTensor;

/** An int tensor of the CPU backend: a Java array. */
record CpuIntTensor(int[] data) implements IntTensor {
    @Override
    public long size() {
        return data.length;
    }
}
