package org.soundstorm4j.backend;

/**
 * A weight matrix {@code W[rows, cols]} (PyTorch Linear layout, as {@link Backend#uploadMatrix})
 * still where it is stored, typically a memory-mapped weights file, read in slices: a backend lays
 * it out from here without a full-size intermediate copy on the heap.
 *
 * <p>The stored elements are a C-order run of floats (widened from F16/BF16 if stored so) read by
 * {@link #read}: either {@code W} itself ({@code transposed() == false}: element
 * {@code r * cols + c} is {@code W[r, c]}), or its transpose {@code A[cols, rows] = W^T}
 * ({@code transposed() == true}: element {@code c * rows + r} is {@code W[r, c]}), as the per-level
 * logit matrices are stored.
 */
public interface MatrixSource {
    /** Output features (N). */
    int rows();

    /** Input features (K). */
    int cols();

    /** Whether the stored run is {@code W^T} ({@code [cols, rows]}) rather than {@code W}. */
    boolean transposed();

    /**
     * Copies stored elements {@code [from, from + count)} (C order of the stored run, which holds
     * {@code rows * cols} elements) as floats into {@code dst[offset, offset + count)}.
     */
    void read(long from, float[] dst, int offset, int count);

    /** The whole matrix as a new row-major {@code float[rows * cols]} ({@code W}, never {@code W^T}). */
    default float[] toRowMajor() {
        int n = TensorSizes.checked((long) rows() * cols());
        float[] w = new float[n];
        if (!transposed()) {
            read(0, w, 0, n);
            return w;
        }
        float[] row = new float[rows()];
        for (int c = 0; c < cols(); c++) {
            read((long) c * rows(), row, 0, rows());
            for (int r = 0; r < rows(); r++) {
                w[r * cols() + c] = row[r];
            }
        }
        return w;
    }

    /** A source over a row-major {@code W[rows, cols]} already on the heap (tests, small models). */
    static MatrixSource of(float[] values, int rows, int cols) {
        if (rows < 1 || cols < 1 || (long) rows * cols != values.length) {
            throw new IllegalArgumentException("matrix of " + rows + " x " + cols + " given " + values.length + " values");
        }
        return new MatrixSource() {
            @Override
            public int rows() {
                return rows;
            }

            @Override
            public int cols() {
                return cols;
            }

            @Override
            public boolean transposed() {
                return false;
            }

            @Override
            public void read(long from, float[] dst, int offset, int count) {
                System.arraycopy(values, Math.toIntExact(from), dst, offset, count);
            }
        };
    }
}
