package org.soundstorm4j.backend;

/**
 * One decoding iteration's scoring parameters (DESIGN.md section 3).
 *
 * @param level              the RVQ level being decoded
 * @param iteration          the iteration within the level
 * @param greedy             argmax instead of sampling (the level's last iteration)
 * @param inverseTemperature {@code 1 / t_i}, computed once on the host so every backend uses the
 *                           same float
 * @param topK               sample among the k largest logits; 0 = all
 * @param choiceNoise        scale of the Gumbel noise on the confidence, {@code c_i}
 * @param seed               the random key's seed
 */
public record ScoreStep(int level, int iteration, boolean greedy, float inverseTemperature, int topK,
                        float choiceNoise, long seed) {
}
