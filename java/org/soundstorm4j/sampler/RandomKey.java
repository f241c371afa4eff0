package org.soundstorm4j.sampler;

/**
 * The coordinates of one decoding step's random stream: everything in the Philox key and
 * counter except position and draw index (layout in {@link Philox}). Ranges are checked once
 * here: 0 &lt;= sequence &lt; 2^24, 0 &lt;= level &lt; 2^16, 0 &lt;= iteration &lt; 2^16.
 */
public record RandomKey(long seed, int sequence, int level, int iteration, Purpose purpose) {
    public RandomKey {
        Philox.checkKey(sequence, level, iteration, purpose);
    }

    /** The n-th 32-bit draw at {@code position}: {@link Philox#draw} with this key. */
    public int draw(int position, int n) {
        return Philox.draw(seed, sequence, level, iteration, purpose, position, n);
    }

    /**
     * Draws {@code 4*block .. 4*block+3} at {@code position} into {@code out4}: one Philox block,
     * for callers that need many consecutive draws (one per codebook entry).
     */
    public void block(int position, int block, int[] out4) {
        Philox.block(position, block, level << 16 | iteration, sequence << 8 | purpose.code(),
                (int) seed, (int) (seed >>> 32), out4);
    }

    /** {@link Philox#gumbel} of {@link #draw}. */
    public float gumbel(int position, int n) {
        return Philox.gumbel(draw(position, n));
    }
}
