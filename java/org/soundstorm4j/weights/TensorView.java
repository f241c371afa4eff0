package org.soundstorm4j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor of a weights file, viewed in place: {@code data} is a read-only slice of the
 * file mapping (or a gathered copy) holding {@code elementCount() * dtype.byteSize()}
 * little-endian bytes in C order. The view is valid only while its file is open; afterwards any
 * access throws IllegalStateException. If the file shrinks while mapped, the copies throw a
 * {@link WeightsException} naming it ({@link MappingFault}).
 *
 * @param name the tensor's name in the file
 * @param dtype element type of the stored bytes
 * @param shape dimensions, outermost first ({@code []} for a scalar); copied on access
 * @param data the tensor's bytes, not necessarily aligned to the element size
 * @param file the file the bytes come from, named in errors
 */
public record TensorView(String name, DType dtype, long[] shape, MemorySegment data, Path file) {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Largest float[] the JVM reliably allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Halves converted per bulk copy; small enough to stay in cache. */
    private static final int CHUNK = 8192;

    public TensorView {
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new WeightsException("tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long bytes = Math.multiplyExact(count(shape), dtype.byteSize());
        if (data.byteSize() != bytes) {
            throw new WeightsException("tensor '" + name + "': " + data.byteSize() + " bytes for " + dtype + " shape "
                    + Arrays.toString(shape) + " which needs " + bytes);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Product of the shape (1 for a scalar). */
    public long elementCount() {
        return count(shape);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Converts every element to float (exactly for all supported dtypes) into a new array. */
    public float[] toFloats() {
        long n = elementCount();
        if (n > MAX_ARRAY) {
            throw new WeightsException("tensor '" + name + "' has " + n + " elements, more than a Java float[] holds ("
                    + MAX_ARRAY + "); read it in slices instead");
        }
        float[] out = new float[(int) n];
        copyTo(out, 0);
        return out;
    }

    /** Converts every element to float into {@code dst[offset .. offset + elementCount())}. */
    public void copyTo(float[] dst, int offset) {
        long n = elementCount();
        if (n > MAX_ARRAY) {
            throw new IndexOutOfBoundsException("tensor '" + name + "': " + n + " elements do not fit in float["
                    + dst.length + "] at offset " + offset);
        }
        copyTo(0, dst, offset, (int) n);
    }

    /**
     * Converts elements {@code [from, from + count)} (C order) to float into
     * {@code dst[offset .. offset + count)}; lets a writer stream a large tensor in chunks.
     */
    public void copyTo(long from, float[] dst, int offset, int count) {
        long n = elementCount();
        if (from < 0 || count < 0 || from > n - count) {
            throw new IndexOutOfBoundsException("tensor '" + name + "': elements [" + from + ", +" + count
                    + ") out of its " + n);
        }
        if (offset < 0 || offset > dst.length - count) {
            throw new IndexOutOfBoundsException("tensor '" + name + "': " + count + " elements do not fit in float["
                    + dst.length + "] at offset " + offset);
        }
        try {
            convert(from * dtype.byteSize(), dst, offset, count);
        } catch (InternalError e) {
            throw MappingFault.of(file, e);
        }
    }

    private void convert(long base, float[] dst, int offset, int count) {
        switch (dtype) {
            // Bulk copy: the JIT turns this into a memcpy (plus byte swaps on big-endian hosts).
            case F32 -> MemorySegment.copy(data, F32_LE, base, dst, offset, count);
            case F16, BF16 -> {
                short[] halves = new short[Math.min(count, CHUNK)];
                for (int done = 0; done < count; done += halves.length) {
                    int m = Math.min(halves.length, count - done);
                    MemorySegment.copy(data, I16_LE, base + (long) done * 2, halves, 0, m);
                    int at = offset + done;
                    if (dtype == DType.F16) {
                        for (int i = 0; i < m; i++) {
                            dst[at + i] = Float.float16ToFloat(halves[i]);
                        }
                    } else {
                        for (int i = 0; i < m; i++) {
                            dst[at + i] = Float.intBitsToFloat(halves[i] << 16);
                        }
                    }
                }
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorView v && name.equals(v.name) && dtype == v.dtype && Arrays.equals(shape, v.shape)
                && data.equals(v.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "TensorView[" + name + ", " + dtype + ", " + Arrays.toString(shape) + "]";
    }
}
