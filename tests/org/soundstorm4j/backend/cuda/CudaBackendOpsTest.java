package org.soundstorm4j.backend.cuda;

import static org.soundstorm4j.backend.Arrays2.assertClose;
import static org.soundstorm4j.backend.Arrays2.poison;
import static org.soundstorm4j.backend.Arrays2.random;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.backend.Backend;
import org.soundstorm4j.backend.BackendOpsContract;
import org.soundstorm4j.backend.NaiveOps;
import org.soundstorm4j.backend.Tensor;

/** Every op of the CUDA backend in FP32 (cuBLAS products, portable kernels) against the double-precision oracle. */
class CudaBackendOpsTest extends BackendOpsContract {
    @Override
    protected Backend createBackend() {
        return CudaDevice.backend(CudaOptions.defaults());
    }

    @Test
    void lstmRecurrenceReadsTheBf16CopyOfWhhThatBf16ProductsKeep() {
        int batch = 2;
        int frames = 7;
        int hidden = 33;
        SplittableRandom random = new SplittableRandom(11);
        float[] gates = random(random, batch * frames * 4 * hidden, 2);
        float[] whh = random(random, 4 * hidden * hidden, 1.5 / Math.sqrt(hidden));
        float[] wRounded = new float[whh.length]; // what the bf16 copy holds: round to nearest even
        for (int i = 0; i < whh.length; i++) {
            int bits = Float.floatToRawIntBits(whh[i]);
            bits += 0x7fff + ((bits >>> 16) & 1);
            wRounded[i] = Float.intBitsToFloat(bits & 0xffff0000);
        }
        try (CudaBackend bf16 = CudaDevice.backend(CudaOptions.defaults().withPrecision(MatmulPrecision.BF16))) {
            Tensor h = bf16.allocate(batch * hidden);
            Tensor c = bf16.allocate(batch * hidden);
            Tensor out = bf16.upload(poison(batch * frames * hidden));
            bf16.lstmRecurrence(bf16.upload(gates), bf16.uploadMatrix(whh, 4 * hidden, hidden), h, c, out, batch,
                    frames, hidden);
            float[] got = new float[batch * frames * hidden];
            bf16.read(out, got);
            // against the double LSTM of the bf16-rounded weights: only fp32 error remains
            double[] expected = NaiveOps.lstm(gates, null, wRounded, null, null, new double[batch * hidden],
                    new double[batch * hidden], batch, frames, 0, hidden);
            assertClose("bf16 W_hh lstm", expected, got, 1e-5);
        }
    }
}
