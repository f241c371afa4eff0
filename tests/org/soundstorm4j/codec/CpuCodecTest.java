package org.soundstorm4j.codec;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.cpu.CpuBackend;

/** The codec on the CPU backend (Vector API kernels: the tests run with the module added), 2 threads. */
class CpuCodecTest extends CodecContract {
    @Override
    protected Backend createBackend() {
        return new CpuBackend(2);
    }
}
