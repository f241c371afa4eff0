package org.soundstorm4j.sampler;

import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.Tensor;

/** One forward pass on device-resident inputs: the shape of {@code Conformer.forward}. */
@FunctionalInterface
public interface DeviceForward {
    /**
     * @param tokens   {@code [batch, frames, levels]}
     * @param semantic {@code [batch, frames]}
     * @param lengths  {@code [batch]}
     * @return the level's logits {@code [batch, frames, codebookSize]}, valid until the next pass
     */
    Tensor logits(IntTensor tokens, IntTensor semantic, IntTensor lengths, int batch, int frames, int level);
}
