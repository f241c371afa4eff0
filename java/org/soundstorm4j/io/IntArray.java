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

    /**
     * Entry {@code i} of dimension 0 as an array of one rank less (a copy): row {@code i} of
     * {@code [batch, n]} is that utterance's {@code [n]}.
     */
    public IntArray slice(int i) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("IntArray: a 0-d array has no slices");
        }
        if (i < 0 || i >= shape[0]) {
            throw new IndexOutOfBoundsException("IntArray" + Arrays.toString(shape) + ": slice " + i
                    + " is outside dimension 0 (size " + shape[0] + ")");
        }
        int size = shape[0] == 0 ? 0 : data.length / shape[0];
        return new IntArray(Arrays.copyOfRange(shape, 1, shape.length), Arrays.copyOfRange(data, i * size, (i + 1) * size));
    }

    /** The elements of a 1-d array (a copy), e.g. an utterance's semantic ids {@code [n]}. */
    public int[] toVector() {
        requireRank(1, "toVector");
        return data.clone();
    }

    /** A 2-d array as {@code [dim0][dim1]} (copies), e.g. a prompt's tokens {@code [frames][Q]}. */
    public int[][] toMatrix() {
        requireRank(2, "toMatrix");
        int[][] rows = new int[shape[0]][];
        for (int r = 0; r < shape[0]; r++) {
            rows[r] = Arrays.copyOfRange(data, r * shape[1], (r + 1) * shape[1]);
        }
        return rows;
    }

    private void requireRank(int rank, String what) {
        if (shape.length != rank) {
            throw new IllegalArgumentException("IntArray." + what + " needs a " + rank + "-d array, this one is "
                    + Arrays.toString(shape));
        }
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
