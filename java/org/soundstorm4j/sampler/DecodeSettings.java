package org.soundstorm4j.sampler;

/**
 * How a row is decoded (docs/ARCHITECTURE.md, "Decoding"): the same values for every window of a
 * request, checked by {@code GenerationConfig}.
 *
 * @param stepsPerLevel     iterations S_q per level
 * @param temperature       t0, annealed per iteration
 * @param topK              sample among the k largest logits; 0 = all
 * @param choiceTemperature c0, annealed per iteration
 * @param seed              the random key's seed
 */
public record DecodeSettings(int[] stepsPerLevel, float temperature, int topK, float choiceTemperature, long seed) {

    public DecodeSettings {
        stepsPerLevel = stepsPerLevel.clone();
        for (int q = 0; q < stepsPerLevel.length; q++) {
            if (stepsPerLevel[q] < 1) {
                throw new IllegalArgumentException("level " + q + " has " + stepsPerLevel[q] + " iterations");
            }
        }
    }

    @Override
    public int[] stepsPerLevel() {
        return stepsPerLevel.clone();
    }

    int steps(int level) {
        return stepsPerLevel[level];
    }

    int levels() {
        return stepsPerLevel.length;
    }
}
