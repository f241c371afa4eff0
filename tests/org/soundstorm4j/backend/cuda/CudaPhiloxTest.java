package org.soundstorm4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.sampler.Philox;
import org.soundstorm4j.sampler.Purpose;

/** kernels/philox.h compiled by nvcc draws bit for bit the Java numbers. */
class CudaPhiloxTest {

    @Test
    void kernelDrawsEqualJavaDrawsBitForBit() {
        int queries = 20_000;
        SplittableRandom r = new SplittableRandom(18);
        int[] coords = new int[8 * queries];
        for (int i = 0; i < queries; i++) {
            long seed = i < 3 ? new long[] {0, 0x0123456789abcdefL, -1}[i] : r.nextLong();
            coords[8 * i] = (int) seed;
            coords[8 * i + 1] = (int) (seed >>> 32);
            coords[8 * i + 2] = r.nextInt(1 << 24);
            coords[8 * i + 3] = r.nextInt(1 << 16);
            coords[8 * i + 4] = r.nextInt(1 << 16);
            coords[8 * i + 5] = r.nextInt(2);
            coords[8 * i + 6] = r.nextInt(Integer.MAX_VALUE);
            coords[8 * i + 7] = r.nextInt(4096);
        }
        int[] got;
        try (CudaBackend backend = CudaDevice.backend(CudaOptions.defaults())) {
            got = backend.philoxDraws(coords);
        }
        for (int i = 0; i < queries; i++) {
            long seed = (coords[8 * i] & 0xffffffffL) | ((long) coords[8 * i + 1] << 32);
            int draw = Philox.draw(seed, coords[8 * i + 2], coords[8 * i + 3], coords[8 * i + 4],
                    Purpose.values()[coords[8 * i + 5]], coords[8 * i + 6], coords[8 * i + 7]);
            assertEquals(draw, got[3 * i], "query " + i + " draw");
            assertEquals(Float.floatToRawIntBits(Philox.uniformOpen(draw)), got[3 * i + 1], "query " + i + " uniform");
            assertEquals(Float.floatToRawIntBits(Philox.gumbel(draw)), got[3 * i + 2], "query " + i + " gumbel");
        }
    }
}
