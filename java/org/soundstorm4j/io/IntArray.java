package org.soundstorm4j.io;

import java.util.Arrays;

/**
 * A dense C-order (row-major) int array: element {@code [i0, i1, ...]} is at flat index
 * {@code ((i0 * shape[1]) + i1) * ...}. A 0-d array has shape {@code []} and one element.
 *
 * <p>The shape is copied on construction; the data array is shared, not copied, because these
 * arrays can be large. Equality compares shape and contents.
 */
public record IntArray(int[] shape, int[] data) {
    public IntArray {
        if (data == null) {
            throw new IllegalArgumentException("IntArray: data is null");
        }
        shape = Shapes.checked(shape, data.length, "IntArray");
    }

    /** Returns a copy of the shape, so that callers cannot corrupt the record. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Extent of dimension {@code i}. */
    public int dim(int i) {
        return shape[i];
    }

    /** Number of elements, the product of the shape. */
    public long size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntArray other && Arrays.equals(shape, other.shape) && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "IntArray" + Arrays.toString(shape);
    }
}
