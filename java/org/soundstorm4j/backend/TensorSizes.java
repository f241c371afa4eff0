package org.soundstorm4j.backend;

/** The size checks every backend makes on the tensors it is given. */
public final class TensorSizes {
    /** The most elements a tensor may hold (the largest Java array of every VM). */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private TensorSizes() {
    }

    /** {@code size} as an int, if a tensor can hold that many elements. */
    public static int checked(long size) {
        if (size < 0 || size > MAX_ELEMENTS) {
            throw new IllegalArgumentException("tensors hold at most 2^31 - 9 elements, asked for " + size);
        }
        return (int) size;
    }

    /** Throws naming {@code what} when a tensor of {@code size} elements is shorter than {@code atLeast}. */
    public static void require(String what, long size, long atLeast) {
        if (size < atLeast) {
            throw new IllegalArgumentException(what + " has " + size + " elements, needs " + atLeast);
        }
    }
}
