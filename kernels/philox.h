/*
 * philox.h: Philox4x32-10 and the project's keying and conversions, bit for bit the contract of
 * org.soundstorm4j.sampler.Philox (docs/RANDOM.md), so GPU and CPU samplers draw the same numbers.
 */
#ifndef SOUNDSTORM4J_PHILOX_H
#define SOUNDSTORM4J_PHILOX_H

#include "portable.h"

#ifdef __CUDACC__
#define PHILOX_MULHI(a, b) __umulhi((a), (b))
typedef unsigned int philox_uint;
#else
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define PHILOX_MULHI(a, b) mul_hi((a), (b))
typedef uint philox_uint;
#endif

/* The four output words of counter (c0..c3) under key (k0, k1), written to out[0..3]. */
INLINE void philox4x32_10(philox_uint c0, philox_uint c1, philox_uint c2, philox_uint c3,
                          philox_uint k0, philox_uint k1, philox_uint *out) {
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        philox_uint hi0 = PHILOX_MULHI(0xD2511F53u, c0);
        philox_uint lo0 = 0xD2511F53u * c0;
        philox_uint hi1 = PHILOX_MULHI(0xCD9E8D57u, c2);
        philox_uint lo1 = 0xCD9E8D57u * c2;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/*
 * The four draws of block `block` at `position` (draws 4*block .. 4*block+3) for a decoding step:
 * counter (position, block, level << 16 | iteration, sequence << 8 | purpose), key = the seed's
 * low and high words.
 */
INLINE void philox_block(philox_uint seed_lo, philox_uint seed_hi, int sequence, int level, int iteration,
                         int purpose, int position, int block, philox_uint *out) {
    philox4x32_10((philox_uint)position, (philox_uint)block,
                  ((philox_uint)level << 16) | (philox_uint)iteration,
                  ((philox_uint)sequence << 8) | (philox_uint)purpose, seed_lo, seed_hi, out);
}

/* Uniform in (0, 1) from the top 23 bits: exact in float, so the same bits everywhere. */
INLINE float philox_uniform_open(philox_uint bits) {
    return ((float)(bits >> 9) + 0.5f) * 0x1p-23f;
}

/* Gumbel: both logs in double, one rounding to float (as Java's (float) -log(-log(u))). */
INLINE float philox_gumbel(philox_uint bits) {
    double u = (double)philox_uniform_open(bits);
    return (float)(-log(-log(u)));
}

#endif
