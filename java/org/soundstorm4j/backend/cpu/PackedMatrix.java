package org.soundstorm4j.backend.cpu;

import org.soundstorm4j.backend.MatrixSource;
import org.soundstorm4j.backend.MatrixWeight;
import org.soundstorm4j.backend.TensorSizes;

/**
 * {@code B[rows, cols]} stored as column panels for the matrix-product micro-kernel: panel p holds
 * rows {@code [p*width, p*width + width)} of B, laid out k-major ({@code width} consecutive floats
 * per k), so the kernel reads one contiguous stream per panel. The last panel is zero-padded.
 */
final class PackedMatrix implements MatrixWeight {
    final int rows;
    final int cols;
    final int width;
    float[] data;

    private PackedMatrix(int rows, int cols, int width, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.width = width;
        this.data = data;
    }

    /** Packs row-major {@code src[rows, cols]} (offset {@code off}, row stride {@code ld}). */
    static PackedMatrix pack(float[] src, int off, int ld, int rows, int cols, int width) {
        float[] data = new float[panels(rows, width) * cols * width];
        packInto(data, src, off, ld, rows, cols, width);
        return new PackedMatrix(rows, cols, width, data);
    }

    /**
     * Packs the matrix {@code src} describes straight from where it is stored, one panel's rows
     * (or, for a transposed source, one stored row) at a time: the only full-size array made is
     * the packed one.
     */
    static PackedMatrix pack(MatrixSource src, int width) {
        int rows = src.rows();
        int cols = src.cols();
        int panels = panels(rows, width);
        // a new array is zero-filled, so the last panel's padding needs no writes
        float[] data = new float[TensorSizes.checked((long) panels * cols * width)];
        if (src.transposed()) {
            // stored A[cols, rows] = W^T: stored row k holds panel p's k-th slice at [p*width, +width)
            float[] line = new float[rows];
            for (int k = 0; k < cols; k++) {
                src.read((long) k * rows, line, 0, rows);
                for (int p = 0; p < panels; p++) {
                    int n0 = p * width;
                    System.arraycopy(line, n0, data, p * cols * width + k * width, Math.min(width, rows - n0));
                }
            }
        } else {
            float[] block = new float[Math.min(width, rows) * cols];
            for (int p = 0; p < panels; p++) {
                int n0 = p * width;
                int nValid = Math.min(width, rows - n0);
                src.read((long) n0 * cols, block, 0, nValid * cols);
                int base = p * cols * width;
                for (int j = 0; j < nValid; j++) {
                    int s = j * cols;
                    for (int k = 0; k < cols; k++) {
                        data[base + k * width + j] = block[s + k];
                    }
                }
            }
        }
        return new PackedMatrix(rows, cols, width, data);
    }

    /** Writes the packed form of {@code src[rows, cols]} into {@code data} (sized by the caller). */
    static void packInto(float[] data, float[] src, int off, int ld, int rows, int cols, int width) {
        int panels = panels(rows, width);
        for (int p = 0; p < panels; p++) {
            int base = p * cols * width;
            int n0 = p * width;
            int nValid = Math.min(width, rows - n0);
            for (int j = 0; j < width; j++) {
                if (j >= nValid) {
                    for (int k = 0; k < cols; k++) {
                        data[base + k * width + j] = 0f;
                    }
                    continue;
                }
                int s = off + (n0 + j) * ld;
                for (int k = 0; k < cols; k++) {
                    data[base + k * width + j] = src[s + k];
                }
            }
        }
    }

    /**
     * Writes the packed form of {@code B = A^T}, where {@code A[cols, rows]} is row-major at
     * {@code off} with row stride {@code ld}: each k of a panel is a contiguous slice of A's row k.
     */
    static void packTransposedInto(float[] data, float[] a, int off, int ld, int rows, int cols,
                                   int width) {
        int panels = panels(rows, width);
        for (int p = 0; p < panels; p++) {
            int base = p * cols * width;
            int n0 = p * width;
            int nValid = Math.min(width, rows - n0);
            for (int k = 0; k < cols; k++) {
                int d = base + k * width;
                System.arraycopy(a, off + k * ld + n0, data, d, nValid);
                for (int j = nValid; j < width; j++) {
                    data[d + j] = 0f;
                }
            }
        }
    }

    static int panels(int rows, int width) {
        return (rows + width - 1) / width;
    }

    int panels() {
        return panels(rows, width);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** A view of reusable scratch storage as a packed matrix of the given size. */
    static PackedMatrix view(float[] data, int rows, int cols, int width) {
        return new PackedMatrix(rows, cols, width, data);
    }
}
