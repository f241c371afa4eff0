package org.soundstorm4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.soundstorm4j.backend.MatrixSource;

/** Packing from a {@link MatrixSource} lays out exactly what packing a row-major array does. */
class PackedMatrixTest {
    @ParameterizedTest(name = "{0} x {1}, width {2}")
    @CsvSource({"1, 1, 16", "5, 3, 16", "16, 7, 16", "37, 29, 16", "33, 64, 32", "70, 5, 8"})
    void packingFromASourceMatchesPackingAnArray(int rows, int cols, int width) {
        float[] w = random(rows * cols, rows * 31L + cols);
        PackedMatrix expected = PackedMatrix.pack(w, 0, cols, rows, cols, width);
        PackedMatrix fromSource = PackedMatrix.pack(MatrixSource.of(w, rows, cols), width);
        assertEquals(expected.rows, fromSource.rows);
        assertEquals(expected.cols, fromSource.cols);
        assertArrayEquals(expected.data, fromSource.data);
    }

    @ParameterizedTest(name = "{0} x {1}, width {2}")
    @CsvSource({"1, 1, 16", "5, 3, 16", "16, 7, 16", "37, 29, 16", "33, 64, 32"})
    void packingATransposedSourceMatchesPackingItsTranspose(int rows, int cols, int width) {
        float[] w = random(rows * cols, rows * 17L + cols);
        float[] a = new float[rows * cols];  // A[cols, rows] = W^T, as the logit matrices are stored
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                a[c * rows + r] = w[r * cols + c];
            }
        }
        MatrixSource transposed = new MatrixSource() {
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
                return true;
            }

            @Override
            public void read(long from, float[] dst, int offset, int count) {
                System.arraycopy(a, (int) from, dst, offset, count);
            }
        };
        assertArrayEquals(PackedMatrix.pack(w, 0, cols, rows, cols, width).data,
                PackedMatrix.pack(transposed, width).data);
        assertArrayEquals(w, transposed.toRowMajor());
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }
}
