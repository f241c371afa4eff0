package org.soundstorm4j.backend;

import java.util.List;

/**
 * One row's decoding parameters for one pass, on the host (docs/ARCHITECTURE.md, "Decoding"); a
 * list of them, one per row, is {@link #pack packed} into the tables of a {@link RowSteps}.
 *
 * @param level              the RVQ level the row decodes, or {@link RowSteps#IDLE}
 * @param iteration          the iteration within the level
 * @param inverseTemperature {@code 1 / t_i}
 * @param topK               sample among the k largest logits; 0 (or at least the codebook size) = all
 * @param choiceNoise        scale of the Gumbel noise on the confidence, {@code c_i}
 * @param seed               the random key's seed
 * @param stay               positions of the row that stay masked after this pass; 0 = greedy
 */
public record RowStep(int level, int iteration, float inverseTemperature, int topK, float choiceNoise, long seed,
                      int stay) {

    public RowStep {
        if (level < RowSteps.IDLE || iteration < 0 || topK < 0 || stay < 0) {
            throw new IllegalArgumentException("row step with level " + level + ", iteration " + iteration
                    + ", top-k " + topK + ", stay " + stay);
        }
    }

    /** A row that takes no part in the pass. */
    public static RowStep idle() {
        return new RowStep(RowSteps.IDLE, 0, 1f, 0, 0f, 0L, 0);
    }

    /** The two host tables of {@link RowSteps}. */
    public record Packed(int[] ints, float[] floats) {
    }

    /**
     * Packs {@code rows} (row b = element b) into the tables of {@link RowSteps}, refusing a top-k
     * truncation ({@code 0 < topK < codebookSize}) above {@code maxTopK} ({@link Backend#maxTopK}),
     * naming the row.
     */
    public static Packed pack(List<RowStep> rows, int codebookSize, int maxTopK) {
        int[] ints = new int[rows.size() * RowSteps.INTS];
        float[] floats = new float[rows.size() * RowSteps.FLOATS];
        for (int b = 0; b < rows.size(); b++) {
            RowStep r = rows.get(b);
            if (r.level != RowSteps.IDLE && r.topK > maxTopK && r.topK < codebookSize) {
                throw new IllegalArgumentException("row " + b + ": top-k " + r.topK + " is above the backend's limit of "
                        + maxTopK);
            }
            int i = b * RowSteps.INTS;
            ints[i + RowSteps.LEVEL] = r.level;
            ints[i + RowSteps.ITERATION] = r.iteration;
            ints[i + RowSteps.TOP_K] = r.topK;
            ints[i + RowSteps.STAY] = r.stay;
            ints[i + RowSteps.SEED_LOW] = (int) r.seed;
            ints[i + RowSteps.SEED_HIGH] = (int) (r.seed >>> 32);
            int f = b * RowSteps.FLOATS;
            floats[f + RowSteps.INVERSE_TEMPERATURE] = r.inverseTemperature;
            floats[f + RowSteps.CHOICE_NOISE] = r.choiceNoise;
        }
        return new Packed(ints, floats);
    }
}
