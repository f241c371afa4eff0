package org.soundstorm4j.weights.torch;

import org.soundstorm4j.weights.DType;

/**
 * One typed storage of a PyTorch checkpoint: the zip entry {@code <archive>/data/<key>} holding
 * {@code numel} little-endian elements of {@code dtype}, which any number of tensors may view.
 * Its bytes are read only when a tensor viewing it is ({@link TorchCheckpoint#tensor}).
 *
 * @param key   the storage's key in the pickle's persistent id (the entry's file name)
 * @param entry the zip entry, whose stated size is {@code numel * dtype.byteSize()}
 * @param dtype element type, from the storage class ({@code torch.FloatStorage} = F32, ...)
 * @param numel elements in the storage
 */
record TorchStorage(String key, ZipEntry entry, DType dtype, long numel) {
    /** Bytes of the storage: {@code numel * dtype.byteSize()} (checked against the entry when made). */
    long byteSize() {
        return entry.size();
    }
}
