package org.soundstorm4j.weights;

import java.nio.file.Path;
import java.util.Set;

/**
 * A weights file opened as a set of named tensors, each viewable in place while the file is
 * open: a safetensors file or a PyTorch checkpoint.
 */
public interface NamedTensors extends AutoCloseable {
    /** The file the tensors come from. */
    Path path();

    /** Tensor names in sorted order. */
    Set<String> names();

    /** Whether a tensor of this name exists. */
    boolean contains(String name);

    /** The named tensor (C-order bytes); throws {@link WeightsException} if there is none. */
    TensorView tensor(String name);

    /**
     * The named tensor's shape, outermost first; throws {@link WeightsException} if there is none.
     * Reads no tensor data where the format allows (a .pt tensor is gathered only by {@link #tensor}).
     */
    default long[] shape(String name) {
        return tensor(name).shape();
    }

    /** Releases the file; views obtained earlier become unusable. Closing twice is harmless. */
    @Override
    void close();
}
