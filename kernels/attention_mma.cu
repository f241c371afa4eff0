/*
 * attention_mma: tensor-core (WMMA, bf16 in, fp32 accumulate) twin of attention.clh, CUDA only,
 * sm_80 or newer. FlashAttention-2 style: keys stream through shared memory a tile at a time with
 * an online softmax; the frames x frames scores are never materialised.
 *
 * What it computes (the semantics of attention.clh): bidirectional multi-head self-attention with
 * rotary embedding and a key-padding mask. For sequence b, head h, query frame t < len = lengths[b]:
 *   q' = rotary(q[t]) * scale, k'[j] = rotary(k[j]) (GPT-NeoX rotate_half, half = D/2:
 *        x'[i] = x[i] c - x[i+half] s, x'[i+half] = x[i+half] c + x[i] s, c/s = table[t*half + i]),
 *   out[t] = sum_{j < len} softmax_j(q' . k'[j]) v[j];
 * rows len <= t < frames get zeros; nothing is written for t >= frames. len is clamped to
 * [0, frames] (len 0: the whole sequence is written as zeros).
 *   q   [batch*frames, heads*D]
 *   kv  [batch*frames, 2*heads*D]  k in columns [0, heads*D), v in [heads*D, 2*heads*D); head h
 *       uses columns h*D .. h*D+D-1 of each half
 *   rotary_cos, rotary_sin [tableFrames >= frames, D/2]
 *   out [batch*frames, heads*D]
 * Entry points attention_mma_hd64 and attention_mma_hd128 (D = 64, 128), same parameters.
 *
 * Launch geometry (fixed): grid (ceil(frames / 64), batch * heads, 1), block (128, 1, 1), no
 * dynamic shared memory. blockIdx.y = b * heads + h; the block owns query frames
 * blockIdx.x*64 .. +63, warp w of the 4 owns the 16 frames starting at blockIdx.x*64 + 16*w.
 * Every thread of a block runs the same number of key tiles (ceil(len / KEYS), len uniform per
 * block), so every __syncthreads() is reached by all 128 threads. A block whose 64 frames all lie
 * at or beyond len only writes zeros and returns (the whole block, before any barrier).
 *
 * Per key tile (KEYS = 64 keys for D = 64, 32 for D = 128):
 *   1. all 128 threads load the tile's K rows (rotary applied in fp32) and V rows from global
 *      memory, convert them to bf16 and store them in shared memory; keys >= len are stored as
 *      zeros (so garbage or NaN past the sequence never reaches a product);
 *   2. each warp computes its S = Q K^T (16 x KEYS) with wmma into fp32 accumulators (Q lives in
 *      wmma matrix_a fragments in registers for the whole kernel) and stores S to its own fp32
 *      scratch in shared memory;
 *   3. online softmax in plain lane code, 2 lanes per query row (lane = 2*row + half, the lane
 *      takes the columns of its parity): keys >= len score -inf (probability exactly 0); the
 *      running max and sum are fp32; P = exp(S - max) rounded to bf16 goes to the warp's P buffer,
 *      and the row sum adds exactly those rounded values, so the weights that multiply V are the
 *      ones that are normalised;
 *   4. O += P V on wmma, 16 output columns per accumulator; the accumulators go through the same
 *      scratch and each lane folds its own (row, columns) into the O it keeps in registers
 *      (O = O * correction + PV, the lane owns exactly the columns of its parity of its row).
 * At the end each lane divides by the row sum and the warp writes its 16 rows through the scratch
 * to global memory with coalesced stores.
 *
 * Shared memory (static, per block):
 *   D = 64  (KEYS 64): K and V tiles 2 x 64 x 72 bf16 = 18432 B (the 64 x 72 bf16 Q staging
 *           buffer of the prologue aliases them), S/PV scratch 4 warps x 16 x 68 fp32 = 17408 B,
 *           P 4 x 16 x 72 bf16 = 9216 B: 45056 B in all;
 *   D = 128 (KEYS 32): K and V 2 x 32 x 136 bf16 = 17408 B (Q staging 64 x 136 bf16 aliases
 *           them), scratch 4 x 16 x 36 fp32 = 9216 B, P 4 x 16 x 40 bf16 = 5120 B: 31744 B.
 *   Rows are padded by 8 bf16 / 4 fp32 (16 bytes) against bank conflicts; every wmma pointer is
 *   32-byte aligned and every leading dimension a multiple of 16 bytes, as WMMA requires.
 * Registers: O (D/2 fp32 per lane), Q fragments (D/16 matrix_a fragments per warp).
 *
 * Precision: rotary and scale applied to q in fp32, rotary to k in fp32, then Q, K, V, P stored as
 * bf16 (round to nearest); S and PV on tensor cores with fp32 accumulation; softmax statistics and
 * O in fp32. Against the fp32 attention.clh: about 2e-3 of the largest |output| for unit-scale
 * q and k; larger |q|, |k| (a peakier softmax) magnify the bf16 rounding of the scores, up to
 * about 2e-2 at standard deviation 3.
 */
#include "portable.h"

#include <cuda_bf16.h>
#include <mma.h>

namespace {

constexpr int ATTENTION_MMA_THREADS = 128;
constexpr int ATTENTION_MMA_QUERIES = 64; /* query frames per block, 16 per warp */

template <int D> struct attention_mma_config;
template <> struct attention_mma_config<64> {
    static constexpr int KEYS = 64;
};
template <> struct attention_mma_config<128> {
    static constexpr int KEYS = 32;
};

template <int D>
__device__ __forceinline__ void attention_mma_body(const float *__restrict__ q, const float *__restrict__ kv,
                                                   const int *__restrict__ lengths,
                                                   const float *__restrict__ rotary_cos,
                                                   const float *__restrict__ rotary_sin, float *__restrict__ out,
                                                   int frames, int heads, float scale) {
    namespace wmma = nvcuda::wmma;
    constexpr int THREADS = ATTENTION_MMA_THREADS;
    constexpr int QUERIES = ATTENTION_MMA_QUERIES;
    constexpr int KEYS = attention_mma_config<D>::KEYS;
    constexpr int HALF = D / 2;
    constexpr int LDK = D + 8;    /* bf16 pitch of the Q staging and K, V tile rows */
    constexpr int LDS = KEYS + 4; /* fp32 pitch of a warp's S / PV scratch */
    constexpr int LDP = KEYS + 8; /* bf16 pitch of a warp's P */
    constexpr int KV_ELEMS = 2 * KEYS * LDK > QUERIES * LDK ? 2 * KEYS * LDK : QUERIES * LDK;
    constexpr int KSTEPS = D / 16;     /* 16-wide steps over the head dimension */
    constexpr int JSTEPS = KEYS / 16;  /* 16-wide steps over a key tile */
    constexpr int ROUNDS = D / KEYS;   /* PV column rounds: the scratch holds KEYS columns */
    constexpr int PER_LANE = KEYS / 2; /* scratch columns per lane and round */
    static_assert(D % 16 == 0 && KEYS % 16 == 0 && D % KEYS == 0, "tile shapes");
    static_assert((KEYS * HALF) % THREADS == 0 && (QUERIES * HALF) % THREADS == 0, "load loops");
    static_assert(THREADS == 128 && QUERIES == 64, "4 warps of 16 query rows");
    static_assert(LDK % 8 == 0 && LDP % 8 == 0 && LDS % 4 == 0, "wmma leading dimensions");

    __shared__ __align__(128) __nv_bfloat16 s_kv[KV_ELEMS];
    __shared__ __align__(128) float s_scratch[4][16 * LDS];
    __shared__ __align__(128) __nv_bfloat16 s_p[4][16 * LDP];

    const int tid = (int)threadIdx.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const int bh = (int)blockIdx.y;
    const int b = bh / heads;
    const int h = bh - b * heads;
    const int q0 = (int)blockIdx.x * QUERIES;
    int len = lengths[b];
    len = len < 0 ? 0 : (len > frames ? frames : len);
    const long long inner = (long long)heads * D;
    const long long seq_row0 = (long long)b * frames; /* the sequence's first row */
    float *const out_base = out + seq_row0 * inner + (long long)h * D;

    if (q0 >= len) { /* every frame of this block is padding (uniform: the whole block returns) */
        for (int e = tid; e < QUERIES * D; e += THREADS) {
            const int row = e / D;
            const int col = e - row * D;
            const int t = q0 + row;
            if (t < frames) {
                out_base[(long long)t * inner + col] = 0.0f;
            }
        }
        return;
    }

    /* prologue: Q rows (rotary, scale, bf16) staged in s_kv, then into fragments */
    {
        __nv_bfloat16 *const s_q = s_kv;
        const float *const q_base = q + seq_row0 * inner + (long long)h * D;
#pragma unroll 4
        for (int it = 0; it < QUERIES * HALF / THREADS; ++it) {
            const int e = tid + it * THREADS;
            const int row = e / HALF;
            const int d = e - row * HALF;
            const int t = q0 + row;
            float y0 = 0.0f;
            float y1 = 0.0f;
            if (t < len) {
                const float *const src = q_base + (long long)t * inner;
                const float x0 = src[d];
                const float x1 = src[d + HALF];
                const float c = rotary_cos[(long long)t * HALF + d];
                const float s = rotary_sin[(long long)t * HALF + d];
                y0 = (x0 * c - x1 * s) * scale;
                y1 = (x1 * c + x0 * s) * scale;
            }
            s_q[row * LDK + d] = __float2bfloat16(y0);
            s_q[row * LDK + d + HALF] = __float2bfloat16(y1);
        }
    }
    __syncthreads();
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> q_frag[KSTEPS];
#pragma unroll
    for (int k = 0; k < KSTEPS; ++k) {
        wmma::load_matrix_sync(q_frag[k], s_kv + warp * 16 * LDK + k * 16, LDK);
    }
    __syncthreads(); /* s_kv is overwritten by the first key tile next */

    const bool warp_active = q0 + warp * 16 < len; /* uniform within the warp */
    const int r = lane >> 1;                       /* the lane's query row within the warp's 16 */
    const int half = lane & 1;                     /* the lane's column parity */
    float *const scratch = s_scratch[warp];
    float *const srow = scratch + r * LDS;
    __nv_bfloat16 *const p_warp = s_p[warp];
    __nv_bfloat16 *const s_k = s_kv;
    __nv_bfloat16 *const s_v = s_kv + KEYS * LDK;
    const float *const kv_base = kv + seq_row0 * 2 * inner + (long long)h * D;

    float o[D / 2]; /* O[r][round*KEYS + 2*i + half] = o[round*PER_LANE + i] */
#pragma unroll
    for (int j = 0; j < D / 2; ++j) {
        o[j] = 0.0f;
    }
    float m_run = -INFINITY;
    float l_run = 0.0f;

    for (int k0 = 0; k0 < len; k0 += KEYS) {
        /* 1. K (rotary) and V rows of this tile, bf16, zeros past len */
#pragma unroll 2 /* more unrolling spills on some targets */
        for (int it = 0; it < KEYS * HALF / THREADS; ++it) {
            const int e = tid + it * THREADS;
            const int kk = e / HALF;
            const int d = e - kk * HALF;
            const int key = k0 + kk;
            float k_lo = 0.0f;
            float k_hi = 0.0f;
            float v_lo = 0.0f;
            float v_hi = 0.0f;
            if (key < len) {
                const float *const src = kv_base + (long long)key * 2 * inner;
                const float x0 = src[d];
                const float x1 = src[d + HALF];
                const float c = rotary_cos[(long long)key * HALF + d];
                const float s = rotary_sin[(long long)key * HALF + d];
                k_lo = x0 * c - x1 * s;
                k_hi = x1 * c + x0 * s;
                v_lo = src[inner + d];
                v_hi = src[inner + d + HALF];
            }
            s_k[kk * LDK + d] = __float2bfloat16(k_lo);
            s_k[kk * LDK + d + HALF] = __float2bfloat16(k_hi);
            s_v[kk * LDK + d] = __float2bfloat16(v_lo);
            s_v[kk * LDK + d + HALF] = __float2bfloat16(v_hi);
        }
        __syncthreads();

        if (warp_active) {
            /* 2. S = Q K^T, 16 x KEYS, into the warp's scratch */
#pragma unroll
            for (int j = 0; j < JSTEPS; ++j) {
                wmma::fragment<wmma::accumulator, 16, 16, 16, float> s_acc;
                wmma::fill_fragment(s_acc, 0.0f);
#pragma unroll
                for (int k = 0; k < KSTEPS; ++k) {
                    /* B = K^T: B(row d, col key) = K[key][d] at s_k[key*LDK + d], i.e. column major */
                    wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> k_frag;
                    wmma::load_matrix_sync(k_frag, s_k + j * 16 * LDK + k * 16, LDK);
                    wmma::mma_sync(s_acc, q_frag[k], k_frag, s_acc);
                }
                wmma::store_matrix_sync(scratch + j * 16, s_acc, LDS, wmma::mem_row_major);
            }
            __syncwarp();

            /* 3. online softmax: lanes 2r and 2r+1 share row r (two reads of S instead of
             * holding it in registers keep the kernel free of local-memory spills) */
            float tile_max = -INFINITY;
#pragma unroll
            for (int i = 0; i < PER_LANE; ++i) {
                const int c = 2 * i + half;
                tile_max = fmaxf(tile_max, k0 + c < len ? srow[c] : -INFINITY);
            }
            tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
            /* key k0 < len is in every row's tile, so tile_max and m_new are finite */
            const float m_new = fmaxf(m_run, tile_max);
            const float correction = expf(m_run - m_new); /* 0 on the first tile (m_run = -inf) */
            float p_sum = 0.0f;
#pragma unroll
            for (int i = 0; i < PER_LANE; ++i) {
                const int c = 2 * i + half;
                const float score = k0 + c < len ? srow[c] : -INFINITY; /* masked: exp(-inf) = 0 */
                const __nv_bfloat16 p = __float2bfloat16(expf(score - m_new));
                p_warp[r * LDP + c] = p;
                p_sum += __bfloat162float(p);
            }
            p_sum += __shfl_xor_sync(0xffffffffu, p_sum, 1);
            l_run = l_run * correction + p_sum;
            m_run = m_new;
#pragma unroll
            for (int j = 0; j < D / 2; ++j) {
                o[j] *= correction;
            }
            __syncwarp(); /* P written, S read: the scratch may be overwritten */

            /* 4. O += P V, KEYS output columns per round through the scratch */
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> p_frag[JSTEPS];
#pragma unroll
            for (int kk = 0; kk < JSTEPS; ++kk) {
                wmma::load_matrix_sync(p_frag[kk], p_warp + kk * 16, LDP);
            }
#pragma unroll
            for (int round = 0; round < ROUNDS; ++round) {
#pragma unroll
                for (int nn = 0; nn < JSTEPS; ++nn) {
                    const int n = round * JSTEPS + nn; /* output columns 16n .. 16n+15 */
                    wmma::fragment<wmma::accumulator, 16, 16, 16, float> o_acc;
                    wmma::fill_fragment(o_acc, 0.0f);
#pragma unroll
                    for (int kk = 0; kk < JSTEPS; ++kk) {
                        /* B(row key, col d) = V[key][d] at s_v[key*LDK + d]: row major */
                        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::row_major> v_frag;
                        wmma::load_matrix_sync(v_frag, s_v + kk * 16 * LDK + n * 16, LDK);
                        wmma::mma_sync(o_acc, p_frag[kk], v_frag, o_acc);
                    }
                    wmma::store_matrix_sync(scratch + nn * 16, o_acc, LDS, wmma::mem_row_major);
                }
                __syncwarp();
#pragma unroll
                for (int i = 0; i < PER_LANE; ++i) {
                    o[round * PER_LANE + i] += srow[2 * i + half];
                }
                __syncwarp(); /* the scratch is read before the next round overwrites it */
            }
        }
        __syncthreads(); /* K, V read by every warp before the next tile overwrites them */
    }

    /* epilogue: normalise, zero padding rows, write 16 rows per warp through the scratch */
    const bool row_valid = q0 + warp * 16 + r < len;
    const float inv = row_valid ? 1.0f / l_run : 0.0f;
#pragma unroll
    for (int round = 0; round < ROUNDS; ++round) {
#pragma unroll
        for (int i = 0; i < PER_LANE; ++i) {
            srow[2 * i + half] = row_valid ? o[round * PER_LANE + i] * inv : 0.0f;
        }
        __syncwarp();
#pragma unroll
        for (int e = lane; e < 16 * KEYS; e += 32) {
            const int rr = e / KEYS;
            const int cc = e - rr * KEYS;
            const int t = q0 + warp * 16 + rr;
            if (t < frames) {
                out_base[(long long)t * inner + round * KEYS + cc] = scratch[rr * LDS + cc];
            }
        }
        __syncwarp();
    }
}

} // namespace

extern "C" __global__ void __launch_bounds__(ATTENTION_MMA_THREADS)
    attention_mma_hd64(const float *__restrict__ q, const float *__restrict__ kv, const int *__restrict__ lengths,
                       const float *__restrict__ rotary_cos, const float *__restrict__ rotary_sin,
                       float *__restrict__ out, int frames, int heads, float scale) {
    attention_mma_body<64>(q, kv, lengths, rotary_cos, rotary_sin, out, frames, heads, scale);
}

extern "C" __global__ void __launch_bounds__(ATTENTION_MMA_THREADS)
    attention_mma_hd128(const float *__restrict__ q, const float *__restrict__ kv, const int *__restrict__ lengths,
                        const float *__restrict__ rotary_cos, const float *__restrict__ rotary_sin,
                        float *__restrict__ out, int frames, int heads, float scale) {
    attention_mma_body<128>(q, kv, lengths, rotary_cos, rotary_sin, out, frames, heads, scale);
}
