package org.soundstorm4j.weights.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
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
     * @param where names the file in errors
     * @param name  the tensor's state_dict key
     */
    static TensorView of(String where, String name, TorchTensor t, Arena arena) {
        String what = where + ": tensor '" + name + "'";
        long[] shape = t.shape();
        long[] stride = t.stride();
        TorchStorage s = t.storage();
        if (shape.length != stride.length) {
            throw new WeightsException(what + ": shape " + Arrays.toString(shape) + " and stride "
                    + Arrays.toString(stride) + " have different ranks");
        }
        long count = 1;
        long last = t.offset();
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
        } catch (ArithmeticException e) {
            throw new WeightsException(what + ": shape " + Arrays.toString(shape) + " stride " + Arrays.toString(stride)
                    + " overflows 64-bit indexing");
        }
        if (t.offset() < 0 || t.offset() > s.numel() || (count > 0 && last >= s.numel())) {
            throw new WeightsException(what + ": storage offset " + t.offset() + ", shape " + Arrays.toString(shape)
                    + ", stride " + Arrays.toString(stride) + " reach element " + (count > 0 ? last : t.offset())
                    + ", out of range of its storage " + s.entry() + " of " + s.numel() + " elements");
        }
        long size = s.dtype().byteSize();
        if (contiguous(shape, stride)) {
            return new TensorView(name, s.dtype(), shape, s.bytes().asSlice(t.offset() * size, count * size));
        }
        if (count > MAX_GATHERED) {
            throw new WeightsException(what + ": shape " + Arrays.toString(shape) + " stride " + Arrays.toString(stride)
                    + " is a non-contiguous view of " + count + " elements, more than a tensor can hold (" + MAX_GATHERED
                    + ")");
        }
        MemorySegment out = arena.allocate(count * size, size);
        long[] index = new long[shape.length];
        long src = t.offset();
        for (long i = 0; i < count; i++) {
            MemorySegment.copy(s.bytes(), src * size, out, i * size, size);
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
        return new TensorView(name, s.dtype(), shape, out);
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
