package org.soundstorm4j.sampler;

/** One forward pass: the logits of one level (the shape of {@code Conformer.logits}). */
@FunctionalInterface
public interface LevelLogits {
    /**
     * @param tokens   {@code [batch, frames, levels]}
     * @param semantic {@code [batch, frames]}
     * @param lengths  {@code [batch]}
     * @return {@code [batch, frames, codebookSize]}
     */
    float[] logits(int[] tokens, int[] semantic, int[] lengths, int batch, int frames, int level);
}
