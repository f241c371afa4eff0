package org.soundstorm4j.model;

import org.soundstorm4j.backend.MatrixSource;
import org.soundstorm4j.weights.TensorView;

/**
 * A weight matrix read in place from a checkpoint's tensor: {@code rows * cols} elements of
 * {@code view} from element {@code first} on (a level's slice of an all-levels tensor, or all of
 * it), stored as {@code W} or, if {@code transposed}, as {@code W^T}. Valid while the checkpoint
 * is open.
 */
record StoredMatrix(TensorView view, long first, int rows, int cols, boolean transposed) implements MatrixSource {
    StoredMatrix {
        long n = (long) rows * cols;
        if (rows < 1 || cols < 1 || first < 0 || first > view.elementCount() - n) {
            throw new IllegalArgumentException(view + ": no " + rows + " x " + cols + " matrix at element " + first);
        }
    }

    /** All of a 2-D tensor {@code [rows, cols]} in PyTorch Linear layout. */
    static StoredMatrix whole(TensorView view, int rows, int cols) {
        if (view.elementCount() != (long) rows * cols) {
            throw new IllegalArgumentException(view + " is not a " + rows + " x " + cols + " matrix");
        }
        return new StoredMatrix(view, 0, rows, cols, false);
    }

    @Override
    public void read(long from, float[] dst, int offset, int count) {
        if (from < 0 || count < 0 || from > (long) rows * cols - count) {
            throw new IndexOutOfBoundsException(view + ": elements [" + from + ", +" + count + ") out of a " + rows
                    + " x " + cols + " matrix");
        }
        view.copyTo(first + from, dst, offset, count);
    }
}
