package org.soundstorm4j.codec;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.cuda.CudaDevice;
import org.soundstorm4j.backend.cuda.CudaOptions;

/** The codec on the CUDA backend in FP32; skipped with the reason where CUDA cannot run. */
class CudaCodecTest extends CodecContract {
    @Override
    protected Backend createBackend() {
        return CudaDevice.backend(CudaOptions.defaults());
    }
}
