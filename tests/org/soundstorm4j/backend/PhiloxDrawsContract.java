package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.soundstorm4j.sampler.Philox;
import org.soundstorm4j.sampler.Purpose;

/**
 * kernels/philox.h, as a device backend compiles it, draws bit for bit the Java numbers: draws,
 * uniforms and Gumbel variates for 20,000 random keys (and the extreme seeds). A backend's test
 * extends this class and runs the kernel.
 */
public abstract class PhiloxDrawsContract {

    /**
     * Runs the philox_draws kernel: 8 ints per query in (seed low, seed high, sequence, level,
     * iteration, purpose, position, n), 3 ints per query out (draw, uniform bits, Gumbel bits).
     * Skips the test when the device is absent.
     */
    protected abstract int[] draws(int[] coordinates);

    @Test
    void kernelDrawsEqualJavaDrawsBitForBit() {
        int queries = 20_000;
        SplittableRandom r = new SplittableRandom(17);
        int[] coords = new int[8 * queries];
        for (int i = 0; i < queries; i++) {
            long seed = i < 4 ? new long[] {0, 42, 0x0123456789abcdefL, -1}[i] : r.nextLong();
            coords[8 * i] = (int) seed;
            coords[8 * i + 1] = (int) (seed >>> 32);
            coords[8 * i + 2] = r.nextInt(1 << 24);
            coords[8 * i + 3] = r.nextInt(1 << 16);
            coords[8 * i + 4] = r.nextInt(1 << 16);
            coords[8 * i + 5] = r.nextInt(2);
            coords[8 * i + 6] = r.nextInt(Integer.MAX_VALUE);
            coords[8 * i + 7] = r.nextInt(4096);
        }
        int[] got = draws(coords);
        for (int i = 0; i < queries; i++) {
            long seed = (coords[8 * i] & 0xffffffffL) | ((long) coords[8 * i + 1] << 32);
            Purpose purpose = Purpose.values()[coords[8 * i + 5]];
            int draw = Philox.draw(seed, coords[8 * i + 2], coords[8 * i + 3], coords[8 * i + 4], purpose,
                    coords[8 * i + 6], coords[8 * i + 7]);
            String at = "query " + i;
            assertEquals(draw, got[3 * i], at + " draw");
            assertEquals(Float.floatToRawIntBits(Philox.uniformOpen(draw)), got[3 * i + 1], at + " uniform");
            assertEquals(Float.floatToRawIntBits(Philox.gumbel(draw)), got[3 * i + 2], at + " gumbel");
        }
    }
}
