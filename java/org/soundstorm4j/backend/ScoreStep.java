package org.soundstorm4j.backend;

/**
 * One decoding iteration's scoring parameters (docs/ARCHITECTURE.md, "Decoding").
 *
 * @param level              the RVQ level being decoded
 * @param iteration          the iteration within the level
 * @param inverseTemperature {@code 1 / t_i}, computed once on the host so every backend uses the
 *                           same float
 * @param topK               sample among the k largest logits; 0 = all
 * @param choiceNoise        scale of the Gumbel noise on the confidence, {@code c_i}
 *
 * <p>The random key's seed is not here but in device memory ({@link DecodeLayout#seed}): every
 * field of a step is fixed by the generation config, so a backend may record an iteration's ops
 * once and replay them for any seed.
 *
 * <p>Whether a row takes the argmax is not here either: each row of a batch has its own count of
 * positions, so it is decided per row from the stay-masked table ({@code MaskSchedule.greedy}).
 */
public record ScoreStep(int level, int iteration, float inverseTemperature, int topK, float choiceNoise) {
}
