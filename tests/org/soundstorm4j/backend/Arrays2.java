package org.soundstorm4j.backend;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Random test data and closeness checks shared by the op tests. */
public final class Arrays2 {
    private Arrays2() {
    }

    /** Uniform floats in [-scale, scale), never all zero. */
    public static float[] random(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    /** An array of NaNs: an op that leaves any element unwritten fails the finiteness check. */
    public static float[] poison(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    /**
     * Asserts every element is finite and {@code max|actual - expected| <= relTol * max|expected|}
     * (max taken over the compared elements; at least 1e-30 so an all-zero reference is exact).
     */
    public static void assertClose(String what, double[] expected, float[] actual, double relTol) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        double maxRef = 1e-30;
        for (double e : expected) {
            maxRef = Math.max(maxRef, Math.abs(e));
        }
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < actual.length; i++) {
            if (!Float.isFinite(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + " (unwritten or overflowed), expected " + expected[i]);
            }
            double err = Math.abs(actual[i] - expected[i]);
            if (err > worst) {
                worst = err;
                worstAt = i;
            }
        }
        double rel = worst / maxRef;
        if (rel > relTol) {
            fail(what + ": max error " + worst + " at " + worstAt + " (got " + actual[worstAt] + ", expected "
                    + expected[worstAt] + ") is " + rel + " of max |expected| " + maxRef + "; tolerance " + relTol);
        }
    }
}
