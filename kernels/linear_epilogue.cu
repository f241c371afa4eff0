/*
 * linear_epilogue.cu (CUDA only): what follows a cuBLAS matrix product in a linear layer.
 *   bias_activation: out[r, c] = act(out[r, c] + bias_scale * bias[c]) for r < rows, c < cols;
 *       bias may be null (then only the activation); act = swish when swish != 0, else identity.
 *       linear():           gemm with beta 0, then bias_scale 1 and the layer's activation;
 *       linearAccumulate(): gemm with alpha = scale, beta = 1 into the residual, then
 *                           bias_scale = scale and no activation.
 *   to_bf16: out[i] = bf16(in[i]) (round to nearest even) for i < n: weights once at upload,
 *       activations before each BF16 product.
 * One thread per element, blocks of EPILOGUE_BLOCK threads (grid = ceil(elements / block)).
 */
#include "portable.h"
#include <cuda_bf16.h>

KERNEL void bias_activation(float *RESTRICT out, const float *RESTRICT bias, int rows, int cols, float bias_scale,
                            int swish_activation) {
    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long)rows * cols) {
        return;
    }
    float v = out[i];
    if (bias != nullptr) {
        v += bias_scale * bias[i % cols];
    }
    out[i] = swish_activation ? swish(v) : v;
}

KERNEL void to_bf16(const float *RESTRICT in, __nv_bfloat16 *RESTRICT out, long n) {
    long i = (long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = __float2bfloat16_rn(in[i]);
    }
}
