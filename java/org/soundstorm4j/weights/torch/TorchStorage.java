package org.soundstorm4j.weights.torch;

import java.lang.foreign.MemorySegment;
import org.soundstorm4j.weights.DType;

/**
 * One typed storage of a PyTorch checkpoint: the zip entry {@code <archive>/data/<key>} holding
 * {@code numel} little-endian elements of {@code dtype}, which any number of tensors may view.
 *
 * @param key   the storage's key in the pickle's persistent id (the entry's file name)
 * @param entry the full zip entry name, for error messages
 * @param dtype element type, from the storage class ({@code torch.FloatStorage} = F32, ...)
 * @param numel elements in the storage
 * @param bytes the entry's bytes: {@code numel * dtype.byteSize()} of them (a slice of the file mapping when stored)
 */
record TorchStorage(String key, String entry, DType dtype, long numel, MemorySegment bytes) {
}
