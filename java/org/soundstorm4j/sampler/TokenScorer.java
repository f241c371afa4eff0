package org.soundstorm4j.sampler;

import java.util.Arrays;

/**
 * Draws one position's token from one level's logits and scores it: the host-side form of the
 * per-level scoring op (docs/ARCHITECTURE.md, "Decoding", steps 2 and 3).
 *
 * <ul>
 *   <li>greedy: the largest logit (ties: the lower id);
 *   <li>sampled: Gumbel-max, {@code argmax_c (logit_c * inverseTemperature + g_c)} (float
 *       multiply, then add: never fused) over the {@code topK}
 *       largest logits (all when 0; ties at the k-th value go to the lower ids), {@code g_c} the
 *       Gumbel draw number c of {@link Purpose#TOKEN_GUMBEL} at this position (ties: lower id);
 *   <li>confidence: {@code log softmax(logits)[token]} (the model's own distribution, before
 *       temperature and top-k) plus {@code choiceNoise * g}, g draw 0 of
 *       {@link Purpose#CHOICE_GUMBEL} at this position.
 * </ul>
 * Not thread-safe (scratch buffers).
 */
public final class TokenScorer {
    private final int codebook;
    private final float[] sorted;
    private final int[] words = new int[4];
    private float confidence;

    public TokenScorer(int codebookSize) {
        this.codebook = codebookSize;
        this.sorted = new float[codebookSize];
    }

    /**
     * Draws the token of one position.
     *
     * @param logits      {@code codebookSize} logits at {@code off}
     * @param tokenKey    key of the token draws (level, iteration, sequence, TOKEN_GUMBEL)
     * @param choiceKey   key of the confidence noise (same, CHOICE_GUMBEL)
     * @param position    the position's index in the generated output
     * @return the token id; its confidence is then {@link #confidence()}
     */
    public int draw(float[] logits, int off, boolean greedy, float inverseTemperature, int topK, float choiceNoise,
                    RandomKey tokenKey, RandomKey choiceKey, int position) {
        int token = greedy ? argmax(logits, off) : sample(logits, off, inverseTemperature, topK, tokenKey, position);
        confidence = (float) logSoftmaxAt(logits, off, token);
        if (choiceNoise != 0f) {
            confidence += choiceNoise * choiceKey.gumbel(position, 0);
        }
        return token;
    }

    /** Confidence of the last drawn token. */
    public float confidence() {
        return confidence;
    }

    private int argmax(float[] logits, int off) {
        int best = 0;
        for (int c = 1; c < codebook; c++) {
            if (logits[off + c] > logits[off + best]) {
                best = c;
            }
        }
        return best;
    }

    private int sample(float[] logits, int off, float inverse, int topK, RandomKey key, int position) {
        float threshold = Float.NEGATIVE_INFINITY;
        int tiesAllowed = codebook;
        if (topK > 0 && topK < codebook) {
            System.arraycopy(logits, off, sorted, 0, codebook);
            Arrays.sort(sorted);
            threshold = sorted[codebook - topK];
            int above = 0;
            for (int c = 0; c < codebook; c++) {
                if (logits[off + c] > threshold) {
                    above++;
                }
            }
            tiesAllowed = topK - above;
        }
        int best = -1;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int block = 0; block * 4 < codebook; block++) {
            key.block(position, block, words);
            for (int w = 0; w < 4 && block * 4 + w < codebook; w++) {
                int c = block * 4 + w;
                float logit = logits[off + c];
                if (logit < threshold) {
                    continue;
                }
                if (logit == threshold && topK > 0 && topK < codebook) {
                    if (tiesAllowed == 0) {
                        continue;
                    }
                    tiesAllowed--;
                }
                float score = logit * inverse + Philox.gumbel(words[w]);
                if (best < 0 || score > bestScore) {
                    best = c;
                    bestScore = score;
                }
            }
        }
        return best;
    }

    private double logSoftmaxAt(float[] logits, int off, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < codebook; c++) {
            max = Math.max(max, logits[off + c]);
        }
        double sum = 0;
        for (int c = 0; c < codebook; c++) {
            sum += Math.exp(logits[off + c] - max);
        }
        return logits[off + token] - max - Math.log(sum);
    }
}
