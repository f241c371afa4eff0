package org.soundstorm4j.weights.torch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.soundstorm4j.weights.MappingFault;
import org.soundstorm4j.weights.TensorView;
import org.soundstorm4j.weights.WeightsException;

/**
 * Turns a {@link TorchTensor} (offset, sizes and strides into a storage) into a C-order
 * {@link TensorView}, after checking that every element it reaches lies inside the storage. A
 * contiguous tensor views the storage's bytes in place; any other layout (transposed, sliced
 * with a step, ...) is gathered element by element into memory from {@code arena}.
 */
final class StridedView {
    private StridedView() {
    }

    /**
     * @param file the checkpoint, named in errors
     * @param name the tensor's state_dict key
     */
    static TensorView of(Path file, String name, TorchTensor t, Arena arena) {
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
            return new TensorView(name, s.dtype(), shape, s.bytes().asSlice(t.offset() * size, count * size), file);
        }
        MemorySegment out = arena.allocate(count * size, size);
        try {
            gather(s.bytes(), t.offset(), shape, stride, size, out);
        } catch (InternalError e) {
            throw MappingFault.of(file, e);
        }
        return new TensorView(name, s.dtype(), shape, out, file);
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
