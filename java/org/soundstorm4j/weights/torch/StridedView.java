package org.soundstorm4j.weights.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.soundstorm4j.weights.DType;
import org.soundstorm4j.weights.TensorView;
import org.soundstorm4j.weights.WeightsException;

/**
 * Turns a {@link TorchTensor} (offset, sizes and strides into a storage) into a C-order
 * {@link TensorView}, after checking that every element it reaches lies inside the storage. A
 * contiguous tensor views the storage's bytes in place; any other layout (transposed, sliced
 * with a step, ...) is gathered element by element into memory from {@code arena}.
 */
final class StridedView {
    /**
     * Most elements a gathered copy may have: what a Java array holds, which every reader copies
     * a tensor into in the end. A stride of 0 lets a tiny storage declare any number of elements,
     * so without this limit a hostile file could ask for petabytes.
     */
    private static final long MAX_GATHERED = Integer.MAX_VALUE - 8;

    private StridedView() {
    }

    /**
     * Checks {@code t}'s layout against its storage without reading either: ranks agree, no size
     * or stride is negative, and the element count, byte size and furthest element reached are
     * computed without overflow and lie inside the storage.
     *
     * @param file the checkpoint, named in errors
     * @param name the tensor's state_dict key
     * @return the tensor's size in bytes once in C order (what {@link #of} may allocate)
     */
    static long check(Path file, String name, TorchTensor t) {
        String what = file + ": tensor '" + name + "'";
        long[] shape = t.shape();
        long[] stride = t.stride();
        TorchStorage s = t.storage();
        if (shape.length != stride.length) {
            throw new WeightsException(what + ": shape " + Arrays.toString(shape) + " and stride "
                    + Arrays.toString(stride) + " have different ranks");
        }
        long count = 1;
        long last = t.offset();
        long bytes;
        try {
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0 || stride[i] < 0) {
                    throw new WeightsException(what + ": negative size or stride in shape " + Arrays.toString(shape)
                            + " stride " + Arrays.toString(stride));
                }
                count = Math.multiplyExact(count, shape[i]);
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
                }
            }
            bytes = Math.multiplyExact(count, (long) s.dtype().byteSize());
        } catch (ArithmeticException e) {
            throw new WeightsException(what + ": shape " + Arrays.toString(shape) + " stride " + Arrays.toString(stride)
                    + " of " + s.dtype() + " overflows 64-bit indexing");
        }
        if (t.offset() < 0 || t.offset() > s.numel() || (count > 0 && last >= s.numel())) {
            throw new WeightsException(what + ": storage offset " + t.offset() + ", shape " + Arrays.toString(shape)
                    + ", stride " + Arrays.toString(stride) + " reach element " + (count > 0 ? last : t.offset())
                    + ", out of range of its storage " + s.entry().name() + " of " + s.numel() + " elements");
        }
        return bytes;
    }

    /**
     * The C-order view of {@code t} (already {@link #check checked}) over {@code storage}, its
     * storage's bytes: a slice of them if contiguous, else a gathered copy from {@code arena}.
     */
    static TensorView of(Path file, String name, TorchTensor t, MemorySegment storage, Arena arena) {
        long[] shape = t.shape();
        long[] stride = t.stride();
        DType dtype = t.storage().dtype();
        long size = dtype.byteSize();
        long bytes = check(file, name, t);
        if (contiguous(shape, stride)) {
            return new TensorView(name, dtype, shape, storage.asSlice(t.offset() * size, bytes), file);
        }
        long count = bytes / size;
        if (count > MAX_GATHERED) {
            throw new WeightsException(file + ": tensor '" + name + "': shape " + Arrays.toString(shape) + " stride "
                    + Arrays.toString(stride) + " is a non-contiguous view of " + count
                    + " elements, more than a tensor can hold (" + MAX_GATHERED + ")");
        }
        MemorySegment out = arena.allocate(bytes, size);
        gather(storage, t.offset(), shape, stride, size, out);
        return new TensorView(name, dtype, shape, out, file);
    }

    /** Copies the strided elements of {@code storage} into {@code out} in C order. */
    private static void gather(MemorySegment storage, long offset, long[] shape, long[] stride, long size,
                               MemorySegment out) {
        long count = out.byteSize() / size;
        long[] index = new long[shape.length];
        long src = offset;
        for (long i = 0; i < count; i++) {
            MemorySegment.copy(storage, src * size, out, i * size, size);
            // Odometer over the C-order index; src follows it by strides.
            for (int d = shape.length - 1; d >= 0; d--) {
                index[d]++;
                src += stride[d];
                if (index[d] < shape[d]) {
                    break;
                }
                src -= index[d] * stride[d];
                index[d] = 0;
            }
        }
    }

    /** C order: each stride is the product of the sizes after it (dimensions of size 1 may have any stride). */
    static boolean contiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 0) {
                return true;
            }
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }
}
