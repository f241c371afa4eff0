package org.soundstorm4j.sampler;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * SoundStorm's decoder (DESIGN.md section 3): levels coarse to fine; within level q, S_q
 * iterations of forward pass, draw a token for every still-masked position, rank the drawn tokens
 * by confidence within the level, keep the least confident masked by the cosine schedule and
 * commit the rest. Committed tokens and prompt frames are never touched again; finer levels stay
 * mask tokens until their turn. Each sequence of a batch has its own count of positions.
 */
public final class LevelwiseSampler {
    private final LevelLogits model;
    private final int codebookSize;

    public LevelwiseSampler(LevelLogits model, int codebookSize) {
        this.model = model;
        this.codebookSize = codebookSize;
    }

    /** Forward passes {@link #decode} runs for a batch with these target frames per row. */
    public static int passes(int[] targetFrames, int[] stepsPerLevel) {
        int[] n = targetFrames;
        int total = 0;
        for (int s : stepsPerLevel) {
            total += MaskSchedule.iterationsNeeded(n, s);
        }
        return total;
    }

    /**
     * Decodes every target token of {@code batch} in place.
     *
     * @param stepsPerLevel iterations S_q per level
     * @param afterPass     called with (level, iteration) after each forward pass
     */
    public void decode(DecodeBatch batch, int[] stepsPerLevel, float temperature, int topK, float choiceTemperature,
                       long seed, BiConsumer<Integer, Integer> afterPass) {
        if (stepsPerLevel.length != batch.levels) {
            throw new IllegalArgumentException(stepsPerLevel.length + " step counts for " + batch.levels + " levels");
        }
        int[] targets = batch.targetFrames();
        TokenScorer scorer = new TokenScorer(codebookSize);
        int maxTargets = Arrays.stream(targets).max().orElse(0);
        int[] drawn = new int[maxTargets];
        long[] order = new long[maxTargets];
        boolean[] masked = new boolean[batch.batch * batch.frames];
        int[] remaining = new int[batch.batch];
        for (int q = 0; q < batch.levels; q++) {
            int steps = stepsPerLevel[q];
            for (int b = 0; b < batch.batch; b++) {
                remaining[b] = targets[b];
                for (int t = batch.promptFrames[b]; t < batch.lengths[b]; t++) {
                    masked[b * batch.frames + t] = true;
                }
            }
            int iterations = MaskSchedule.iterationsNeeded(targets, steps);
            for (int i = 0; i < iterations; i++) {
                float[] logits = model.logits(batch.tokens, batch.semantic, batch.lengths, batch.batch, batch.frames, q);
                boolean greedy = i == steps - 1;
                float t = MaskSchedule.temperature(temperature, i, steps);
                float noise = MaskSchedule.choiceNoise(choiceTemperature, i, steps);
                for (int b = 0; b < batch.batch; b++) {
                    if (remaining[b] == 0) {
                        continue;
                    }
                    RandomKey tokenKey = new RandomKey(seed, batch.sequenceIds[b], q, i, Purpose.TOKEN_GUMBEL);
                    RandomKey choiceKey = new RandomKey(seed, batch.sequenceIds[b], q, i, Purpose.CHOICE_GUMBEL);
                    int prompt = batch.promptFrames[b];
                    int candidates = 0;
                    for (int f = prompt; f < batch.lengths[b]; f++) {
                        int row = b * batch.frames + f;
                        if (!masked[row]) {
                            continue;
                        }
                        int target = f - prompt;
                        drawn[target] = scorer.draw(logits, row * codebookSize, greedy, t, topK, noise, tokenKey,
                                choiceKey, batch.outputOffsets[b] + target);
                        order[candidates++] = rankKey(scorer.confidence(), target);
                    }
                    int stay = MaskSchedule.stayMasked(targets[b], steps, i, remaining[b]);
                    // least confident first; equal confidence: lower position first
                    Arrays.sort(order, 0, candidates);
                    for (int k = stay; k < candidates; k++) {
                        int target = (int) order[k];
                        int row = b * batch.frames + prompt + target;
                        batch.tokens[row * batch.levels + q] = drawn[target];
                        masked[row] = false;
                    }
                    remaining[b] = stay;
                }
                afterPass.accept(q, i);
            }
        }
    }

    /**
     * A long whose signed order is (confidence ascending, position ascending): the float's bits
     * mapped to an order-preserving int in the high word, the position in the low word.
     */
    static long rankKey(float confidence, int position) {
        int bits = Float.floatToIntBits(confidence);
        int ordered = bits >= 0 ? bits : bits ^ 0x7fffffff;
        return ((long) ordered << 32) | position;
    }
}
