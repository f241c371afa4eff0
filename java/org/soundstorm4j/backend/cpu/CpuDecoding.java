package org.soundstorm4j.backend.cpu;

import java.util.Arrays;
import org.soundstorm4j.backend.DecodeLayout;
import org.soundstorm4j.backend.RowSteps;
import org.soundstorm4j.sampler.LevelwiseSampler;
import org.soundstorm4j.sampler.MaskSchedule;
import org.soundstorm4j.sampler.Purpose;
import org.soundstorm4j.sampler.RandomKey;
import org.soundstorm4j.sampler.TokenScorer;

/** The CPU backend's decoding ops: {@link TokenScorer} per position and a sort per row, each row with its own step. */
final class CpuDecoding {
    private CpuDecoding() {
    }

    /** Row b's level, or {@link RowSteps#IDLE} for an idle row or one whose level is out of range. */
    private static int level(int[] rowInts, int b, int levels) {
        int level = rowInts[b * RowSteps.INTS + RowSteps.LEVEL];
        return level >= 0 && level < levels ? level : RowSteps.IDLE;
    }

    static void scoreTokens(float[] logits, int[] tokens, DecodeLayout layout, int[] rowInts, float[] rowFloats,
                            int[] drawn, float[] confidence, int[] lengths, int[] promptFrames, int[] outputOffsets,
                            int[] sequenceIds, WorkerPool workers) {
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
                int level = level(rowInts, b, levels);
                boolean candidate = level != RowSteps.IDLE && t >= promptFrames[b] && t < lengths[b]
                        && tokens[row * levels + level] == layout.maskId();
                if (!candidate) {
                    confidence[row] = Float.POSITIVE_INFINITY;
                    drawn[row] = 0;
                    continue;
                }
                int s = b * RowSteps.INTS;
                if (keyRow != b) {
                    long seed = (rowInts[s + RowSteps.SEED_LOW] & 0xffffffffL)
                            | ((long) rowInts[s + RowSteps.SEED_HIGH] << 32);
                    int iteration = rowInts[s + RowSteps.ITERATION];
                    tokenKey = new RandomKey(seed, sequenceIds[b], level, iteration, Purpose.TOKEN_GUMBEL);
                    choiceKey = new RandomKey(seed, sequenceIds[b], level, iteration, Purpose.CHOICE_GUMBEL);
                    keyRow = b;
                }
                boolean greedy = MaskSchedule.greedy(rowInts[s + RowSteps.STAY]);
                int f = b * RowSteps.FLOATS;
                drawn[row] = scorer.draw(logits, row * codebook, greedy, rowFloats[f + RowSteps.INVERSE_TEMPERATURE],
                        rowInts[s + RowSteps.TOP_K], rowFloats[f + RowSteps.CHOICE_NOISE], tokenKey, choiceKey,
                        outputOffsets[b] + t - promptFrames[b]);
                confidence[row] = scorer.confidence();
            }
        });
    }

    static void commitTokens(int[] drawn, float[] confidence, int[] rowInts, int[] tokens, DecodeLayout layout,
                             WorkerPool workers) {
        int frames = layout.frames();
        workers.forEach(layout.batch(), b -> {
            int level = level(rowInts, b, layout.levels());
            if (level == RowSteps.IDLE) {
                return;
            }
            long[] order = new long[frames];
            int candidates = 0;
            for (int t = 0; t < frames; t++) {
                float c = confidence[b * frames + t];
                if (c != Float.POSITIVE_INFINITY) {
                    order[candidates++] = LevelwiseSampler.rankKey(c, t);
                }
            }
            Arrays.sort(order, 0, candidates);
            for (int k = rowInts[b * RowSteps.INTS + RowSteps.STAY]; k < candidates; k++) {
                int row = b * frames + (int) order[k];
                tokens[row * layout.levels() + level] = drawn[row];
            }
        });
    }

    /** {@link org.soundstorm4j.backend.Backend#selectRows}: a copy of the rows at {@code level}. */
    static void selectRows(float[] src, int[] rowInts, int level, float[] dst, int batch, int rowSize) {
        for (int b = 0; b < batch; b++) {
            if (rowInts[b * RowSteps.INTS + RowSteps.LEVEL] == level) {
                System.arraycopy(src, b * rowSize, dst, b * rowSize, rowSize);
            }
        }
    }
}
