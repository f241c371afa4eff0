package org.soundstorm4j.backend.cuda;

import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.DecodingContract;

/**
 * The portable decoding kernels on CUDA against the CPU backend bit for bit, and a whole
 * generation on the device (graphs on: the repeated generation replays them).
 */
class CudaDecodingTest extends DecodingContract {
    @Override
    protected Backend createBackend() {
        return CudaDevice.backend(CudaOptions.defaults().withFastKernels(false));
    }

    @Override
    protected long[] transfers(Backend backend) {
        CudaBackend b = (CudaBackend) backend;
        return new long[] {b.uploads(), b.downloads()};
    }
}
