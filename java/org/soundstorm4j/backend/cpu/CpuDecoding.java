package org.soundstorm4j.backend.cpu;

import java.util.Arrays;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.ScoreStep;
import org.soundstorm4j.sampler.LevelwiseSampler;
import org.soundstorm4j.sampler.MaskSchedule;
import org.soundstorm4j.sampler.Purpose;
import org.soundstorm4j.sampler.RandomKey;
import org.soundstorm4j.sampler.TokenScorer;

/** The CPU backend's decoding ops: {@link TokenScorer} per position and a sort per row. */
final class CpuDecoding {
    private CpuDecoding() {
    }

    static void scoreTokens(float[] logits, int[] tokens, DecodeLayout layout, ScoreStep step, int[] stay,
                            int stayOffset, int[] drawn, float[] confidence, int[] lengths, int[] promptFrames, int[] outputOffsets,
                            int[] sequenceIds, int[] seedWords, WorkerPool workers) {
        long seed = (seedWords[0] & 0xffffffffL) | ((long) seedWords[1] << 32);
        int frames = layout.frames();
        int levels = layout.levels();
        int codebook = layout.codebookSize();
        int chunks = Math.min(layout.batch() * frames, 8 * workers.threads());
        int per = (layout.batch() * frames + chunks - 1) / chunks;
        workers.forEach(chunks, chunk -> {
            TokenScorer scorer = new TokenScorer(codebook);
            RandomKey tokenKey = null;
            RandomKey choiceKey = null;
            int keyRow = -1;
            for (int row = chunk * per; row < Math.min(layout.batch() * frames, (chunk + 1) * per); row++) {
                int b = row / frames;
                int t = row % frames;
                boolean candidate = t >= promptFrames[b] && t < lengths[b]
                        && tokens[row * levels + step.level()] == layout.maskId();
                if (!candidate) {
                    confidence[row] = Float.POSITIVE_INFINITY;
                    drawn[row] = 0;
                    continue;
                }
                if (keyRow != b) {
                    tokenKey = new RandomKey(seed, sequenceIds[b], step.level(), step.iteration(), Purpose.TOKEN_GUMBEL);
                    choiceKey = new RandomKey(seed, sequenceIds[b], step.level(), step.iteration(), Purpose.CHOICE_GUMBEL);
                    keyRow = b;
                }
                boolean greedy = MaskSchedule.greedy(stay[stayOffset + b]);
                drawn[row] = scorer.draw(logits, row * codebook, greedy, step.inverseTemperature(), step.topK(),
                        step.choiceNoise(), tokenKey, choiceKey, outputOffsets[b] + t - promptFrames[b]);
                confidence[row] = scorer.confidence();
            }
        });
    }

    static void commitTokens(int[] drawn, float[] confidence, int[] stay, int stayOffset, int[] tokens,
                             DecodeLayout layout, int level, WorkerPool workers) {
        int frames = layout.frames();
        workers.forEach(layout.batch(), b -> {
            long[] order = new long[frames];
            int candidates = 0;
            for (int t = 0; t < frames; t++) {
                float c = confidence[b * frames + t];
                if (c != Float.POSITIVE_INFINITY) {
                    order[candidates++] = LevelwiseSampler.rankKey(c, t);
                }
            }
            Arrays.sort(order, 0, candidates);
            for (int k = stay[stayOffset + b]; k < candidates; k++) {
                int row = b * frames + (int) order[k];
                tokens[row * layout.levels() + level] = drawn[row];
            }
        });
    }
}
