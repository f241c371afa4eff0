package org.soundstorm4j.sampler;

import org.soundstorm4j.backend.IntTensor;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.backend.Tensor;

/** One forward pass on device-resident inputs: the shape of {@code Conformer.forward}. */
@FunctionalInterface
public interface DeviceForward {
    /**
     * @param tokens   {@code [batch, frames, levels]}
     * @param semantic {@code [batch, frames]}
     * @param lengths  {@code [batch]}
     * @param steps    the pass's row steps: row b's logits are those of its LEVEL
     * @param levels   the distinct levels of the rows that are not idle, ascending
     * @return logits {@code [batch, frames, codebookSize]} (row b's of row b's level), valid until the next pass
     */
    Tensor logits(IntTensor tokens, IntTensor semantic, IntTensor lengths, int batch, int frames, RowSteps steps,
                  int[] levels);
}
