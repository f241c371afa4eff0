package org.soundstorm4j.sampler;

/**
 * The paper's per-level schedule (MaskGIT's cosine schedule, docs/ARCHITECTURE.md, "Decoding"). A level with
 * {@code S} iterations over {@code N} non-prompt positions has {@code r_0 = N} masked before its
 * first iteration; after iteration {@code i} (0-based)
 * {@code m_i = min(floor(N * cos(pi/2 * (i+1)/S)), r_i - 1)} stay masked, and none after the last.
 * So every iteration fixes at least one position while any is masked.
 */
public final class MaskSchedule {
    /**
     * Added before flooring: {@code N * cos(...)} is an integer in exact arithmetic only where the
     * cosine is 1/2 or 0, and there double rounding must not drop it below the integer.
     */
    private static final double FLOOR_SLACK = 1e-9;

    private MaskSchedule() {
    }

    /**
     * Positions still masked after iteration {@code iteration} of {@code steps}.
     *
     * @param positions       N, the sequence's non-prompt positions at this level
     * @param remainingBefore r_i, positions masked before this iteration (0 when the level is done)
     */
    public static int stayMasked(int positions, int steps, int iteration, int remainingBefore) {
        if (steps < 1 || iteration < 0 || iteration >= steps || positions < 0 || remainingBefore < 0
                || remainingBefore > positions) {
            throw new IllegalArgumentException("bad schedule query: N " + positions + ", S " + steps + ", i "
                    + iteration + ", r " + remainingBefore);
        }
        if (iteration == steps - 1 || remainingBefore == 0) {
            return 0;
        }
        int cosine = (int) Math.floor(positions * Math.cos(Math.PI / 2 * (iteration + 1) / steps) + FLOOR_SLACK);
        return Math.min(cosine, remainingBefore - 1);
    }

    /**
     * Whether an iteration takes the argmax instead of sampling in a row: when it leaves the row
     * with nothing masked ({@code stayMaskedAfter == 0}). That is the level's last iteration, or an
     * earlier one where the row has fewer positions than iterations (so a shorter row of a batch
     * finishes while longer rows still sample). A row that finished the level before the iteration
     * also gets true, but has nothing left to draw. The one host-side form of the rule;
     * {@code kernels/greedy.h} is the device-side one.
     *
     * @param stayMaskedAfter the row's positions still masked after the iteration, {@link #stayMasked}
     */
    public static boolean greedy(int stayMaskedAfter) {
        return stayMaskedAfter == 0;
    }

    /** Token temperature of iteration i: {@code t0 * (1 - i/S)}, annealed towards 0. */
    public static float temperature(float t0, int iteration, int steps) {
        return t0 * (1f - (float) iteration / steps);
    }

    /** Scale of the Gumbel noise added to confidences: {@code c0 * (1 - (i+1)/S)} (MaskGIT). */
    public static float choiceNoise(float c0, int iteration, int steps) {
        return c0 * (1f - (float) (iteration + 1) / steps);
    }

    /**
     * Iterations of a level that need a forward pass for a batch whose sequences have the given
     * numbers of non-prompt positions: {@code S}, or fewer when every sequence has fewer positions
     * than iterations (each iteration fixes at least one, so such a level finishes early).
     */
    public static int iterationsNeeded(int[] positionsPerSequence, int steps) {
        int needed = 0;
        for (int n : positionsPerSequence) {
            int remaining = n;
            for (int i = 0; i < steps && remaining > 0; i++) {
                needed = Math.max(needed, i + 1);
                remaining = stayMasked(n, steps, i, remaining);
            }
        }
        return needed;
    }
}
