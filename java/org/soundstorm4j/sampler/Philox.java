package org.soundstorm4j.sampler;

/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3" (SC 2011), exactly as Random123 defines it, plus the project's keying and float
 * conversions. Every backend draws its random numbers through this contract (the OpenCL/CUDA
 * {@code kernels/philox.h} mirrors it), so CPU and GPU samplers see identical numbers.
 *
 * <h2>The bijection</h2>
 * All words are unsigned 32-bit values held in Java {@code int}s. One round maps counter
 * (c0, c1, c2, c3) under round key (k0, k1) to
 * <pre>
 *   p0 = 0xD2511F53 * c0   (full 64-bit unsigned product), hi0 = p0 &gt;&gt; 32, lo0 = p0 mod 2^32
 *   p1 = 0xCD9E8D57 * c2   (likewise hi1, lo1)
 *   (c0, c1, c2, c3) := (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
 * </pre>
 * which is the word order of Random123's {@code philox4x32round}. Ten rounds are applied; before
 * rounds 2..10 the key is bumped by the Weyl increments, k0 += 0x9E3779B9, k1 += 0xBB67AE85
 * (mod 2^32). The output is the counter after round 10.
 *
 * <h2>Keying (bit by bit)</h2>
 * <pre>
 *   k0 = seed bits 0..31          k1 = seed bits 32..63         (seed: 64-bit)
 *   c0 = position                 bits 0..31 (0 &lt;= position &lt; 2^31)
 *   c1 = block = n / 4            bits 0..31 (0 &lt;= n &lt; 2^31)
 *   c2 = level &lt;&lt; 16 | iteration  level in bits 16..31, iteration in bits 0..15 (each &lt; 2^16)
 *   c3 = sequence &lt;&lt; 8 | purpose  sequence in bits 8..31 (&lt; 2^24), purpose code in bits 0..7
 *   draw n = output word (n mod 4) of that block
 * </pre>
 * position is the frame index within the sequence; n counts the draws made at one position (e.g.
 * one per codebook entry), so four consecutive draws share one Philox block.
 *
 * <h2>Conversions</h2>
 * {@link #uniformOpen(int)} and {@link #gumbel(int)} state their exact arithmetic; see there.
 *
 * <p>No method allocates; {@link #block} writes into a caller-owned array.
 */
public final class Philox {
    /** Round multipliers (Random123 PHILOX_M4x32_0 and _1). */
    static final int M0 = 0xD2511F53;
    static final int M1 = 0xCD9E8D57;
    /** Weyl key increments (Random123 PHILOX_W32_0 and _1): golden ratio and sqrt(3) - 1. */
    static final int W0 = 0x9E3779B9;
    static final int W1 = 0xBB67AE85;
    static final int ROUNDS = 10;

    static final int MAX_LEVEL = 1 << 16;
    static final int MAX_ITERATION = 1 << 16;
    static final int MAX_SEQUENCE = 1 << 24;

    private static final long U32 = 0xFFFF_FFFFL;

    private Philox() {
    }

    /**
     * Philox4x32-10 of counter (c0, c1, c2, c3) under key (k0, k1): writes the four output words
     * to {@code out4[0..3]}.
     */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out4) {
        for (int r = 0; r < ROUNDS; r++) {
            if (r > 0) {
                k0 += W0;
                k1 += W1;
            }
            // Unsigned 32x32 -> 64: both operands are below 2^32, so the product fits 64 bits
            // and its bit pattern is right even when the signed long reads negative.
            long p0 = (M0 & U32) * (c0 & U32);
            long p1 = (M1 & U32) * (c2 & U32);
            c0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            c1 = (int) p1;
            c2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c3 = (int) p0;
        }
        out4[0] = c0;
        out4[1] = c1;
        out4[2] = c2;
        out4[3] = c3;
    }

    /**
     * Output word {@code index} (0..3) of {@link #block}. The scratch array does not escape, so
     * the JIT keeps it in registers.
     */
    public static int word(int c0, int c1, int c2, int c3, int k0, int k1, int index) {
        if (index < 0 || index > 3) {
            throw new IllegalArgumentException("index must be 0..3, got " + index);
        }
        int[] out = new int[4];
        block(c0, c1, c2, c3, k0, k1, out);
        return out[index];
    }

    /**
     * The {@code n}-th 32-bit draw at {@code position} under the project keying (class doc):
     * word n % 4 of the block with counter (position, n / 4, level &lt;&lt; 16 | iteration,
     * sequence &lt;&lt; 8 | purpose) and key (low, high 32 bits of seed).
     *
     * @throws IllegalArgumentException naming the argument when sequence, level, iteration,
     *     position or n is out of range (class doc), or purpose is null
     */
    public static int draw(long seed, int sequence, int level, int iteration, Purpose purpose,
            int position, int n) {
        checkKey(sequence, level, iteration, purpose);
        checkRange("position", position, 1L << 31);
        checkRange("n", n, 1L << 31);
        return word(position, n >>> 2, level << 16 | iteration, sequence << 8 | purpose.code(),
                (int) seed, (int) (seed >>> 32), n & 3);
    }

    /**
     * A uniform float strictly inside (0, 1) from the top 23 bits of {@code bits}:
     * {@code ((bits >>> 9) + 0.5f) * 0x1p-23f}, i.e. (2m + 1) / 2^24 for m = bits >>> 9, so the
     * result lies in [2^-24, 1 - 2^-24]: 2^23 equally spaced values, symmetric about 1/2.
     * Every step is exact in float (m + 0.5 needs 24 significant bits; the scale is a power of
     * two), so C computing {@code ((float)(bits >> 9) + 0.5f) * 0x1p-23f} on a uint32 gets the
     * same bits under any rounding mode or FMA contraction.
     *
     * <p>Why 23 bits, not 24: with m = bits >>> 8 the sum m + 0.5 needs 25 significant bits;
     * from m = 2^23 on float rounds it to even, and m = 2^24 - 1 gives exactly 1.0f.
     */
    public static float uniformOpen(int bits) {
        return ((bits >>> 9) + 0.5f) * 0x1p-23f;
    }

    /**
     * A standard Gumbel variate from {@code bits}: with u = {@link #uniformOpen(int)} widened
     * to double, {@code (float) -log(-log(u))} computed in double and rounded once to float
     * (round to nearest even). The C side must do the same in double ({@code (float) -log(-log(
     * (double) u))}), never in float. Range: about [-2.8, 16.6], always finite.
     *
     * <p>StrictMath (fdlibm) rather than Math so Java gives the same bits on every JVM and CPU.
     * A C libm or GPU {@code log} may differ by an ulp of double; after rounding to float that
     * changes the result only when the double lies within an ulp of a float rounding boundary
     * (about 2^-28 of draws), so agreement is bit-for-bit in practice, not by guarantee. Since
     * u takes only 2^23 values this is checkable exhaustively: glibc 2.36's double {@code log}
     * gave the same float as this method for all 2^23 of them (docs/RANDOM.md); GPU libms are
     * not yet checked.
     */
    public static float gumbel(int bits) {
        double u = uniformOpen(bits);
        return (float) -StrictMath.log(-StrictMath.log(u));
    }

    /** Validates the parts of the counter that are fixed for a whole decoding step. */
    static void checkKey(int sequence, int level, int iteration, Purpose purpose) {
        checkRange("sequence", sequence, MAX_SEQUENCE);
        checkRange("level", level, MAX_LEVEL);
        checkRange("iteration", iteration, MAX_ITERATION);
        if (purpose == null) {
            throw new IllegalArgumentException("purpose must not be null");
        }
    }

    /** Requires 0 <= value < limit; a limit of 2^31 therefore means any non-negative int. */
    private static void checkRange(String name, int value, long limit) {
        if (value < 0 || value >= limit) {
            throw new IllegalArgumentException(
                    name + " must be in [0, " + limit + "), got " + value);
        }
    }
}
