package org.soundstorm4j.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

class PhiloxTest {
    /*
     * Known answers from Random123's tests/kat_vectors (github.com/DEShawResearch/random123,
     * commit 9545ff6413f258be2f04c1d319d99aaef7521150, lines 27-29). Columns there: name,
     * rounds, counter c0..c3, key k0 k1, expected output words 0..3, all hex uint32.
     *
     * philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
     * philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
     * philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
     */
    private record Kat(int[] counter, int[] key, int[] expected) {
    }

    private static final List<Kat> KATS = List.of(
            new Kat(new int[] {0, 0, 0, 0}, new int[] {0, 0},
                    new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}),
            new Kat(new int[] {-1, -1, -1, -1}, new int[] {-1, -1},
                    new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}),
            new Kat(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                    new int[] {0xa4093822, 0x299f31d0},
                    new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));

    private static int[] block(int[] c, int[] k) {
        int[] out = new int[4];
        Philox.block(c[0], c[1], c[2], c[3], k[0], k[1], out);
        return out;
    }

    @Test
    void knownAnswerAllZero() {
        Kat kat = KATS.get(0);
        assertArrayEquals(kat.expected(), block(kat.counter(), kat.key()));
    }

    @Test
    void knownAnswerAllOnes() {
        Kat kat = KATS.get(1);
        assertArrayEquals(kat.expected(), block(kat.counter(), kat.key()));
    }

    @Test
    void knownAnswerPiDigits() {
        Kat kat = KATS.get(2);
        assertArrayEquals(kat.expected(), block(kat.counter(), kat.key()));
    }

    @Test
    void wordAgreesWithBlock() {
        for (Kat kat : KATS) {
            int[] c = kat.counter();
            int[] k = kat.key();
            for (int i = 0; i < 4; i++) {
                assertEquals(kat.expected()[i], Philox.word(c[0], c[1], c[2], c[3], k[0], k[1], i));
            }
        }
        SplittableRandom random = new SplittableRandom(42);
        int[] out = new int[4];
        for (int trial = 0; trial < 1000; trial++) {
            int c0 = random.nextInt(), c1 = random.nextInt(), c2 = random.nextInt(), c3 = random.nextInt();
            int k0 = random.nextInt(), k1 = random.nextInt();
            Philox.block(c0, c1, c2, c3, k0, k1, out);
            for (int i = 0; i < 4; i++) {
                assertEquals(out[i], Philox.word(c0, c1, c2, c3, k0, k1, i));
            }
        }
    }

    /*
     * Fixtures for other backends (docs/RANDOM.md repeats them): draw, uniformOpen and gumbel as
     * raw bits for a few keyings, the extremes of every range included. Produced by this class
     * and reproduced bit for bit by a separate Python implementation of the documented layout
     * (Python ints for the Philox words, float32 via struct, glibc double log), so they pin
     * the layout and the conversions, not only this code.
     */
    @Test
    void pinnedDrawsForOtherBackends() {
        Object[][] cases = {
            // seed, sequence, level, iteration, purpose, position, n; draw, uniform bits, gumbel bits
            {0L, 0, 0, 0, Purpose.TOKEN_GUMBEL, 0, 0, 0x6627e8d5, 0x3ecc4fd2, 0x3dadb641},
            {0L, 0, 0, 0, Purpose.TOKEN_GUMBEL, 0, 1, 0xe169c58d, 0x3f6169c5, 0x4003f241},
            {0L, 0, 0, 0, Purpose.TOKEN_GUMBEL, 0, 4, 0x6ad0c5ec, 0x3ed5a18a, 0x3e09d1ec},
            {42L, 3, 2, 15, Purpose.CHOICE_GUMBEL, 7, 5, 0xeff4101a, 0x3f6ff411, 0x402f3300},
            {0x0123_4567_89ab_cdefL, 12345, 11, 0, Purpose.TOKEN_GUMBEL, 499, 1023,
                0xe6d30fe0, 0x3f66d30f, 0x401126c2},
            {-1L, (1 << 24) - 1, 65535, 65535, Purpose.CHOICE_GUMBEL, Integer.MAX_VALUE,
                Integer.MAX_VALUE, 0x31e5e7f7, 0x3e47979c, 0xbefbc845}};
        for (Object[] c : cases) {
            int draw = Philox.draw((Long) c[0], (Integer) c[1], (Integer) c[2], (Integer) c[3],
                    (Purpose) c[4], (Integer) c[5], (Integer) c[6]);
            assertEquals((int) (Integer) c[7], draw);
            assertEquals((int) (Integer) c[8], Float.floatToRawIntBits(Philox.uniformOpen(draw)));
            assertEquals((int) (Integer) c[9], Float.floatToRawIntBits(Philox.gumbel(draw)));
        }
    }

    @Test
    void wordRejectsIndexOutsideTheBlock() {
        assertThrows(IllegalArgumentException.class, () -> Philox.word(0, 0, 0, 0, 0, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Philox.word(0, 0, 0, 0, 0, 0, -1));
    }

    @Test
    void drawUsesTheDocumentedLayout() {
        long[] seeds = {0L, 1L, -1L, 0x0123_4567_89ab_cdefL, Long.MIN_VALUE};
        for (long seed : seeds) {
            int k0 = (int) seed;
            int k1 = (int) (seed >>> 32);
            for (Purpose purpose : Purpose.values()) {
                int[][] coords = {
                    // sequence, level, iteration, position, n
                    {0, 0, 0, 0, 0}, {3, 2, 15, 7, 5}, {(1 << 24) - 1, 65535, 65535, Integer.MAX_VALUE,
                        Integer.MAX_VALUE}, {12345, 11, 0, 499, 1023}};
                for (int[] x : coords) {
                    int expected = Philox.word(x[3], x[4] / 4, x[1] << 16 | x[2],
                            x[0] << 8 | purpose.code(), k0, k1, x[4] % 4);
                    assertEquals(expected, Philox.draw(seed, x[0], x[1], x[2], purpose, x[3], x[4]));
                }
            }
        }
    }

    @Test
    void drawsFourConsecutiveNumbersFromOneBlock() {
        long seed = 0x5eed_0000_0001L;
        int[] out = new int[4];
        // sequence 2, level 1, iteration 3, CHOICE_GUMBEL (code 1), position 9, block 5
        Philox.block(9, 5, 1 << 16 | 3, 2 << 8 | 1, (int) seed, (int) (seed >>> 32), out);
        for (int i = 0; i < 4; i++) {
            assertEquals(out[i], Philox.draw(seed, 2, 1, 3, Purpose.CHOICE_GUMBEL, 9, 20 + i));
        }
    }

    @Test
    void sameInputsGiveTheSameDraw() {
        int first = Philox.draw(77L, 4, 3, 2, Purpose.TOKEN_GUMBEL, 100, 9);
        for (int i = 0; i < 10; i++) {
            assertEquals(first, Philox.draw(77L, 4, 3, 2, Purpose.TOKEN_GUMBEL, 100, 9));
        }
        assertEquals(first, new RandomKey(77L, 4, 3, 2, Purpose.TOKEN_GUMBEL).draw(100, 9));
    }

    @Test
    void everyCoordinateChangesTheDraw() {
        long seed = 0x0000_0007_0000_0005L;
        int base = Philox.draw(seed, 4, 3, 2, Purpose.TOKEN_GUMBEL, 100, 9);
        List<IntSupplier> variants = List.of(
                () -> Philox.draw(seed ^ 1L, 4, 3, 2, Purpose.TOKEN_GUMBEL, 100, 9), // seed, low word
                () -> Philox.draw(seed ^ 1L << 32, 4, 3, 2, Purpose.TOKEN_GUMBEL, 100, 9), // high word
                () -> Philox.draw(seed, 5, 3, 2, Purpose.TOKEN_GUMBEL, 100, 9), // sequence
                () -> Philox.draw(seed, 4, 4, 2, Purpose.TOKEN_GUMBEL, 100, 9), // level
                () -> Philox.draw(seed, 4, 3, 3, Purpose.TOKEN_GUMBEL, 100, 9), // iteration
                () -> Philox.draw(seed, 4, 3, 2, Purpose.CHOICE_GUMBEL, 100, 9), // purpose
                () -> Philox.draw(seed, 4, 3, 2, Purpose.TOKEN_GUMBEL, 101, 9), // position
                () -> Philox.draw(seed, 4, 3, 2, Purpose.TOKEN_GUMBEL, 100, 13), // block, same word
                () -> Philox.draw(seed, 4, 3, 2, Purpose.TOKEN_GUMBEL, 100, 10)); // word, same block
        Set<Integer> seen = new HashSet<>();
        seen.add(base);
        for (IntSupplier variant : variants) {
            int value = variant.getAsInt();
            assertNotEquals(base, value);
            seen.add(value);
        }
        assertEquals(variants.size() + 1, seen.size(), "every variant draws a different number");
    }

    @Test
    void fieldsDoNotBleedIntoEachOther() {
        // Neighbouring values that would collide if a field overflowed into the next one.
        assertNotEquals(Philox.draw(1, 0, 1, 0, Purpose.TOKEN_GUMBEL, 0, 0),
                Philox.draw(1, 0, 0, 65535, Purpose.TOKEN_GUMBEL, 0, 0));
        assertNotEquals(Philox.draw(1, 1, 0, 0, Purpose.TOKEN_GUMBEL, 0, 0),
                Philox.draw(1, 0, 0, 0, Purpose.CHOICE_GUMBEL, 0, 0));
    }

    @Test
    void rangesAreValidatedNamingTheArgument() {
        assertRejected("sequence", () -> Philox.draw(0, 1 << 24, 0, 0, Purpose.TOKEN_GUMBEL, 0, 0));
        assertRejected("sequence", () -> Philox.draw(0, -1, 0, 0, Purpose.TOKEN_GUMBEL, 0, 0));
        assertRejected("level", () -> Philox.draw(0, 0, 65536, 0, Purpose.TOKEN_GUMBEL, 0, 0));
        assertRejected("level", () -> Philox.draw(0, 0, -1, 0, Purpose.TOKEN_GUMBEL, 0, 0));
        assertRejected("iteration", () -> Philox.draw(0, 0, 0, 65536, Purpose.TOKEN_GUMBEL, 0, 0));
        assertRejected("iteration", () -> Philox.draw(0, 0, 0, -1, Purpose.TOKEN_GUMBEL, 0, 0));
        assertRejected("position", () -> Philox.draw(0, 0, 0, 0, Purpose.TOKEN_GUMBEL, -1, 0));
        assertRejected("n", () -> Philox.draw(0, 0, 0, 0, Purpose.TOKEN_GUMBEL, 0, -1));
        assertRejected("purpose", () -> Philox.draw(0, 0, 0, 0, null, 0, 0));
        assertRejected("sequence", () -> new RandomKey(0, 1 << 24, 0, 0, Purpose.TOKEN_GUMBEL));
        assertRejected("level", () -> new RandomKey(0, 0, 1 << 16, 0, Purpose.TOKEN_GUMBEL));
        assertRejected("iteration", () -> new RandomKey(0, 0, 0, 1 << 16, Purpose.TOKEN_GUMBEL));
        assertRejected("purpose", () -> new RandomKey(0, 0, 0, 0, null));
        assertRejected("position", () -> new RandomKey(0, 0, 0, 0, Purpose.TOKEN_GUMBEL).draw(-5, 0));
    }

    private static void assertRejected(String argument, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(argument + " "), e.getMessage());
    }

    @Test
    void purposeCodesAreStableBytes() {
        assertEquals(0, Purpose.TOKEN_GUMBEL.code());
        assertEquals(1, Purpose.CHOICE_GUMBEL.code());
        Set<Integer> codes = new HashSet<>();
        for (Purpose purpose : Purpose.values()) {
            assertTrue(purpose.code() >= 0 && purpose.code() < 256);
            assertTrue(codes.add(purpose.code()), "codes are distinct");
        }
    }

    @Test
    void uniformOpenBoundsAreStrictlyInside() {
        assertEquals(0x1p-24f, Philox.uniformOpen(0));
        assertEquals(1f - 0x1p-24f, Philox.uniformOpen(0xffffffff));
        assertTrue(Philox.uniformOpen(0xffffffff) < 1f);
        assertTrue(Philox.uniformOpen(0) > 0f);
        assertEquals(0.5f - 0x1p-24f, Philox.uniformOpen(0x7fffffff));
        assertEquals(0.5f + 0x1p-24f, Philox.uniformOpen(0x80000000));
    }

    @Test
    void uniformOpenIsExactAndStrictlyIncreasing() {
        float previous = 0f;
        for (int m = 0; m < 1 << 23; m++) {
            float u = Philox.uniformOpen(m << 9 | (m & 0x1ff)); // the low 9 bits are ignored
            assertTrue(u > previous);
            if (u != (float) ((2.0 * m + 1) / 0x1p24) || (double) u != (2.0 * m + 1) / 0x1p24) {
                throw new AssertionError("inexact at m = " + m + ": " + u);
            }
            previous = u;
        }
    }

    @Test
    void aTwentyFourBitFormulaWouldReachOne() {
        // Why uniformOpen keeps 23 bits: the 24-bit version rounds its top value up to 1.
        int bits = 0xffffffff;
        assertEquals(1f, ((bits >>> 8) + 0.5f) * 0x1p-24f);
    }

    @Test
    void uniformsHaveTheRightMomentsAndAreFlat() {
        int samples = 100_000;
        int bins = 100;
        int[] counts = new int[bins];
        double sum = 0;
        double sumSquares = 0;
        for (int position = 0; position < samples / 10; position++) {
            for (int n = 0; n < 10; n++) {
                float u = Philox.uniformOpen(Philox.draw(2024L, 1, 0, 5, Purpose.TOKEN_GUMBEL, position, n));
                sum += u;
                sumSquares += (double) u * u;
                counts[(int) (u * bins)]++;
            }
        }
        double mean = sum / samples;
        double variance = sumSquares / samples - mean * mean;
        assertEquals(0.5, mean, 0.005); // standard error 0.0009
        assertEquals(1.0 / 12, variance, 0.002);
        double expected = (double) samples / bins;
        double chiSquare = 0;
        for (int count : counts) {
            chiSquare += (count - expected) * (count - expected) / expected;
        }
        // 99 degrees of freedom: the 99.9% quantile is about 148.
        assertTrue(chiSquare < 148, "chi-square " + chiSquare);
    }

    @Test
    void gumbelHasEulerMascheroniMeanAndPiSquaredOverSixVariance() {
        int samples = 100_000;
        RandomKey key = new RandomKey(-3L, 7, 2, 0, Purpose.CHOICE_GUMBEL);
        double sum = 0;
        double sumSquares = 0;
        for (int position = 0; position < samples / 10; position++) {
            for (int n = 0; n < 10; n++) {
                double g = key.gumbel(position, n);
                sum += g;
                sumSquares += g * g;
            }
        }
        double mean = sum / samples;
        double variance = sumSquares / samples - mean * mean;
        assertEquals(0.5772156649, mean, 0.02); // standard error 0.004
        assertEquals(Math.PI * Math.PI / 6, variance, 0.06); // standard error about 0.011
    }

    @Test
    void gumbelIsFiniteAndMonotoneAtTheExtremes() {
        float low = Philox.gumbel(0);
        float high = Philox.gumbel(0xffffffff);
        assertTrue(Float.isFinite(low) && Float.isFinite(high));
        assertEquals((float) -StrictMath.log(-StrictMath.log(0x1p-24)), low);
        assertEquals((float) -StrictMath.log(-StrictMath.log(1 - 0x1p-24)), high);
        assertTrue(low < -2.8f && low > -2.9f, "low " + low);
        assertTrue(high > 16.6f && high < 16.7f, "high " + high);
        assertTrue(Philox.gumbel(0x7fffffff) < Philox.gumbel(0x80000000));
        // The median of the standard Gumbel is -log(log 2) = 0.3665.
        assertEquals(0.3665129, Philox.gumbel(0x80000000), 1e-6);
    }
}
