/*
 * score_tokens_warp: score_tokens.clh with one warp per (sequence, frame) row instead of one
 * work-item, CUDA only. Each row b has its own parameters (row_steps.h: level, iteration, top_k,
 * stay, seed, inverse_temperature, choice_noise).
 *
 * Results equal the portable score_tokens:
 *   rows with top-k truncation (0 < top_k < codebook): lane 0 runs the portable position
 *          (score_tokens_position of score_tokens.clh, included before this file), the other lanes
 *          wait; bit for bit the portable result.
 *   drawn otherwise: exactly the portable token. Sampling scores every code c with the same float
 *          operations, FADD(FMUL(l[c], inverse_temperature), philox_gumbel(word c)), word c being
 *          word c % 4 of philox_block(seed, sequence_ids[b], level, iteration, TOKEN_GUMBEL = 0,
 *          position, c / 4); a greedy row (ROW_STAY == 0, greedy.h: the pass leaves the row with
 *          nothing masked) scores code c with l[c]. The portable sequential loop keeps
 *          code 0 first and replaces the best only on a strictly greater score, so it returns the
 *          lowest code of the maximum score (NaN never wins, except a NaN score of code 0, which
 *          nothing replaces). Each lane runs that loop over its own codes in increasing order and
 *          the warp reduces with the same total order (score_tokens_warp_better), so the result
 *          does not depend on the split.
 *   confidence: the max over the logits by a warp reduction (exact: max does not depend on the
 *          order), sum_c exp((double)(l[c] - max)) in double per lane and then over the warp (the
 *          order of the additions differs from the sequential one: the double sum may differ in
 *          its last bits, the float confidence practically never), then
 *          conf = (float)((double)(l[token] - max) - log(sum)), plus, when choice_noise != 0,
 *          FADD(conf, FMUL(choice_noise, philox_gumbel(word 0 of philox_block(seed, sequence_ids[b],
 *          level, iteration, CHOICE_GUMBEL = 1, position, 0)))).
 *   Rows that are not candidates (an idle row, t < prompt_frames[b], t >= lengths[b], or
 *   tokens[row * levels + level] != codebook): confidence +infinity, drawn 0.
 *   position = output_offsets[b] + t - prompt_frames[b].
 *   codebook < 1 gives -1 / NaN instead of reading outside the row.
 *
 * Launch geometry (fixed): block (128, 1, 1) = 4 warps, warp w of block x handles row
 * x * 4 + w (row = b * frames + t); grid (ceil(batch * frames / 4), 1, 1); no shared memory. A
 * warp whose row is >= batch * frames returns at once (the whole warp). Lane j handles the Philox
 * blocks j, j + 32, ... (codes 4 * block .. 4 * block + 3), so every lane runs the same number of
 * loop iterations and all 32 lanes reach every __shfl_xor_sync.
 */
#include "philox.h"
#include "greedy.h"
#include "row_steps.h"

namespace {

/*
 * The order of (score, code) candidates: code < 0 (a lane without codes) below everything, then a
 * NaN score of a code other than 0, then ordinary scores by value, ties to the lower code, then a
 * NaN score of code 0 on top. True when a ranks strictly above b.
 */
__device__ __forceinline__ int score_tokens_warp_class(float score, int code) {
    return code < 0 ? 0 : (score != score ? (code == 0 ? 3 : 1) : 2);
}

__device__ __forceinline__ bool score_tokens_warp_better(float a_score, int a_code, float b_score, int b_code) {
    const int a_class = score_tokens_warp_class(a_score, a_code);
    const int b_class = score_tokens_warp_class(b_score, b_code);
    if (a_class != b_class) {
        return a_class > b_class;
    }
    if (a_class == 2 && a_score != b_score) {
        return a_score > b_score;
    }
    return a_code < b_code;
}

} // namespace

extern "C" __global__ void __launch_bounds__(128)
    score_tokens_warp(const float *__restrict__ logits, const int *__restrict__ tokens,
                      const int *__restrict__ lengths, const int *__restrict__ prompt_frames,
                      const int *__restrict__ output_offsets, const int *__restrict__ sequence_ids,
                      const int *__restrict__ row_ints, const float *__restrict__ row_floats,
                      int *__restrict__ drawn, float *__restrict__ confidence, int batch, int frames, int levels,
                      int codebook) {
    const unsigned full = 0xffffffffu;
    const int lane = (int)(threadIdx.x & 31u);
    const int row = (int)blockIdx.x * 4 + (int)(threadIdx.x >> 5);
    if (row >= batch * frames) {
        return; /* the whole warp */
    }
    const int b = row / frames;
    const int t = row - b * frames;
    const int prompt = prompt_frames[b];
    const int *const s = row_ints + b * ROW_INTS;
    const int level = s[ROW_LEVEL];
    if (level < 0 || level >= levels || t < prompt || t >= lengths[b]
        || tokens[(long long)row * levels + level] != codebook) {
        if (lane == 0) {
            confidence[row] = INFINITY;
            drawn[row] = 0;
        }
        return; /* the whole warp: every lane read the same values */
    }
    const float *const l = logits + (long long)row * codebook;
    const int position = output_offsets[b] + t - prompt;
    const philox_uint seed_lo = (philox_uint)s[ROW_SEED_LOW];
    const philox_uint seed_hi = (philox_uint)s[ROW_SEED_HIGH];
    const int iteration = s[ROW_ITERATION];
    const int top_k = s[ROW_TOP_K];
    const float inverse_temperature = row_floats[b * ROW_FLOATS + ROW_INVERSE_TEMPERATURE];
    const float choice_noise = row_floats[b * ROW_FLOATS + ROW_CHOICE_NOISE];
    const int sequence = sequence_ids[b];
    const int blocks = (codebook + 3) / 4;
    const int greedy = row_is_greedy(row_ints, b); /* the same for the whole warp */
    if (top_k > 0 && top_k < codebook) {
        /* top-k truncation: the portable position on one lane (the whole warp takes this branch) */
        if (lane == 0) {
            int token;
            float conf;
            score_tokens_position(l, codebook, greedy, top_k, inverse_temperature, choice_noise, seed_lo, seed_hi,
                                  sequence, level, iteration, position, &token, &conf);
            drawn[row] = token;
            confidence[row] = conf;
        }
        return;
    }

    /* pass 1: this lane's best (score, code) and max logit, codes in increasing order */
    float best_score = -INFINITY;
    int best = -1;
    float mx = -INFINITY;
    for (int block0 = 0; block0 < blocks; block0 += 32) { /* uniform bound */
        const int block = block0 + lane;
        if (block < blocks) {
            philox_uint words[4]; /* computed for greedy too (unused there): cheaper than a spill */
            philox_block(seed_lo, seed_hi, sequence, level, iteration, 0, position, block, words);
#pragma unroll
            for (int w = 0; w < 4; w++) {
                const int c = block * 4 + w;
                if (c < codebook) {
                    const float v = l[c];
                    mx = FMAX(mx, v);
                    const float score = greedy ? v : FADD(FMUL(v, inverse_temperature), philox_gumbel(words[w]));
                    if (score_tokens_warp_better(score, c, best_score, best)) {
                        best_score = score;
                        best = c;
                    }
                }
            }
        }
    }
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float other_score = __shfl_xor_sync(full, best_score, offset);
        const int other = __shfl_xor_sync(full, best, offset);
        if (score_tokens_warp_better(other_score, other, best_score, best)) {
            best_score = other_score;
            best = other;
        }
        mx = FMAX(mx, __shfl_xor_sync(full, mx, offset));
    }
    /* every lane now holds the same best and mx (a butterfly over a total order) */
    const int token = best;

    /* pass 2: the log-sum-exp in double */
    double sum = 0.0;
    for (int block0 = 0; block0 < blocks; block0 += 32) {
        const int block = block0 + lane;
#pragma unroll
        for (int w = 0; w < 4; w++) {
            const int c = block * 4 + w;
            if (block < blocks && c < codebook) {
                sum += exp((double)(l[c] - mx));
            }
        }
    }
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        sum += __shfl_xor_sync(full, sum, offset);
    }

    if (lane == 0) {
        if (token < 0) { /* codebook < 1: no code at all */
            confidence[row] = __int_as_float(0x7fc00000);
            drawn[row] = -1;
            return;
        }
        float conf = (float)((double)(l[token] - mx) - log(sum));
        if (choice_noise != 0.0f) {
            philox_uint words[4]; /* computed for greedy too (unused there): cheaper than a spill */
            philox_block(seed_lo, seed_hi, sequence, level, iteration, 1, position, 0, words);
            conf = FADD(conf, FMUL(choice_noise, philox_gumbel(words[0])));
        }
        drawn[row] = token;
        confidence[row] = conf;
    }
}
