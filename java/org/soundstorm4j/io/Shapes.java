package org.soundstorm4j.io;

import java.util.Arrays;

/** Shape arithmetic shared by the array records and the .npy reader and writer. */
final class Shapes {
    private Shapes() {
    }

    /**
     * Number of elements of a C-order array of this shape (1 for a 0-d shape), saturated at
     * {@code Long.MAX_VALUE} so that an absurd shape can never wrap around to a small count.
     *
     * @throws IllegalArgumentException if a dimension is negative
     */
    static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = d == 0 ? 0 : (n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d);
        }
        return n;
    }

    /** Checks that {@code shape} describes exactly {@code length} elements; returns a copy of it. */
    static int[] checked(int[] shape, int length, String what) {
        if (shape == null) {
            throw new IllegalArgumentException(what + ": shape is null");
        }
        long size = size(shape);
        if (size != length) {
            throw new IllegalArgumentException(what + ": shape " + Arrays.toString(shape) + " holds "
                    + size + " elements but the data has " + length);
        }
        return shape.clone();
    }
}
