/*
 * Kernels for the fake CUDA's own tests (selftest.cpp): correct ones whose results are checked,
 * and broken ones the fake must stop with the right error. Compiled by build.sh exactly as the
 * project's kernels are (g++, fakecuda_device.h, rewrite_kernels.py).
 */
#include <cuda_bf16.h>
#include <mma.h>

#define FULL 0xffffffffu

/* every parameter type the marshalling must place right */
extern "C" __global__ void params_probe(int a, long long b, float c, double d, const int *p, unsigned char e, int *out,
                                        short f) {
    if (threadIdx.x != 0) {
        return;
    }
    out[0] = a;
    out[1] = (int)(b & 0xffffffff);
    out[2] = (int)(b >> 32);
    out[3] = __float_as_int(c);
    out[4] = (int)(__double_as_longlong(d) & 0xffffffff);
    out[5] = (int)(__double_as_longlong(d) >> 32);
    out[6] = p[0];
    out[7] = e;
    out[8] = f;
    out[9] = (int)(blockDim.x * 1000 + gridDim.x * 100 + gridDim.y * 10 + gridDim.z);
}

/* reads shared memory before writing it: must see the poison (NaN), whatever a previous block wrote */
extern "C" __global__ void shared_fresh(float *out) {
    __shared__ float s[32];
    out[blockIdx.x * 32 + threadIdx.x] = s[threadIdx.x];
    __syncthreads();
    s[threadIdx.x] = 1.0f;
}

extern "C" __global__ void shared_reverse(float *out) {
    __shared__ __align__(64) float s[64];
    s[threadIdx.x] = (float)(blockIdx.x * 100 + threadIdx.x);
    __syncthreads();
    out[blockIdx.x * 64 + threadIdx.x] = s[63 - threadIdx.x];
}

extern "C" __global__ void shuffles(int *out) {
    const int v = (int)threadIdx.x * 3 + 1;
    const int i = (int)threadIdx.x;
    out[6 * i + 0] = __shfl_xor_sync(FULL, v, 5);
    out[6 * i + 1] = __shfl_down_sync(FULL, v, 3);
    out[6 * i + 2] = __shfl_up_sync(FULL, v, 2);
    out[6 * i + 3] = __shfl_sync(FULL, v, 7);
    out[6 * i + 4] = __shfl_xor_sync(FULL, v, 1, 4);
    const double d = __shfl_xor_sync(FULL, (double)v * 0.5, 16);
    out[6 * i + 5] = (int)(d * 2.0);
}

extern "C" __global__ void ballots(unsigned *out) {
    out[threadIdx.x] = __ballot_sync(FULL, threadIdx.x % 3 == 0);
}

/* broken: some threads leave before the barrier */
extern "C" __global__ void barrier_after_exit(int *out) {
    if (threadIdx.x < 16) {
        return;
    }
    __syncthreads();
    out[threadIdx.x] = 1;
}

/* broken: two different barriers */
extern "C" __global__ void barrier_two_sites(int *out) {
    if (threadIdx.x & 1) {
        __syncthreads();
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1;
}

/* broken: a lane has exited, the full mask still names it */
extern "C" __global__ void shuffle_after_exit(int *out) {
    if (threadIdx.x == 3) {
        return;
    }
    out[threadIdx.x] = __shfl_xor_sync(FULL, (int)threadIdx.x, 1);
}

/* broken: half a warp shuffles, the other half waits at a barrier: nobody can go on */
extern "C" __global__ void stuck(int *out) {
    if (threadIdx.x % 32 < 16) {
        out[threadIdx.x] = __shfl_xor_sync(FULL, 1, 1);
    } else {
        __syncthreads();
    }
}

/* broken: the full mask in a block of 48 threads (the second warp has 16 lanes) */
extern "C" __global__ void partial_warp_mask(int *out) { out[threadIdx.x] = __shfl_xor_sync(FULL, 1, 1); }

/* broken: 52 KB of static shared memory */
extern "C" __global__ void too_much_shared(float *out) {
    __shared__ float big[13000];
    big[threadIdx.x] = 0.0f;
    __syncthreads();
    out[threadIdx.x] = big[12999 - threadIdx.x];
}

extern "C" __global__ void __launch_bounds__(64) bounded(int *out) { out[threadIdx.x] = 1; }

/* one warp: C (row major, ldc 20) = A (row major, lda 24) B (col major, ldb 16) + 1 */
extern "C" __global__ void wmma_gemm(const __nv_bfloat16 *a, const __nv_bfloat16 *b, float *c) {
    namespace wmma = nvcuda::wmma;
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> fb;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
    wmma::fill_fragment(acc, 1.0f);
    wmma::load_matrix_sync(fa, a, 24);
    wmma::load_matrix_sync(fb, b, 16);
    wmma::mma_sync(acc, fa, fb, acc);
    wmma::store_matrix_sync(c, acc, 20, wmma::mem_row_major);
}

/* broken: a pointer 16 bytes past a 32-byte boundary */
extern "C" __global__ void wmma_misaligned(const __nv_bfloat16 *a, float *c) {
    namespace wmma = nvcuda::wmma;
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
    wmma::load_matrix_sync(fa, a + 8, 16);
    c[threadIdx.x] = 0.0f;
}

/* broken: only half the warp loads a fragment */
extern "C" __global__ void wmma_divergent(const __nv_bfloat16 *a, float *c) {
    namespace wmma = nvcuda::wmma;
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
    if (threadIdx.x < 16) {
        wmma::load_matrix_sync(fa, a, 16);
    }
    c[threadIdx.x] = 0.0f;
}

extern "C" __global__ void add_one(float *x, int n) {
    const int i = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    if (i < n) {
        x[i] += 1.0f;
    }
}

extern "C" __global__ void set_value(int *x, int v) {
    if (threadIdx.x == 0) {
        x[0] = v;
    }
}

/* broken: writes a page past the end of its buffer (the guard page) */
extern "C" __global__ void write_past_end(float *x, int n) { x[n + 1024] = 1.0f; }

/* many blocks with barriers: blocks run on several workers at once */
extern "C" __global__ void block_sums(const float *in, float *out) {
    __shared__ float partial[128];
    const int t = (int)threadIdx.x;
    partial[t] = in[blockIdx.x * 128 + t];
    __syncthreads();
    for (int stride = 64; stride > 0; stride >>= 1) {
        if (t < stride) {
            partial[t] += partial[t + stride];
        }
        __syncthreads();
    }
    if (t == 0) {
        out[blockIdx.x] = partial[0];
    }
}

/* stores a tile to shared memory, then every lane reads an element another lane stored: correct
 * only with the __syncwarp (sync != 0) in between */
extern "C" __global__ void wmma_store_readback(float *out, int sync) {
    namespace wmma = nvcuda::wmma;
    __shared__ __align__(32) float tile[256];
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
    wmma::fill_fragment(acc, 3.0f);
    wmma::store_matrix_sync(tile, acc, 16, wmma::mem_row_major);
    if (sync) {
        __syncwarp();
    }
    for (int i = 0; i < 8; i++) {
        out[threadIdx.x * 8 + i] = tile[(threadIdx.x * 8 + 64 + i) % 256];
    }
}
