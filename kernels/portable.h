/*
 * portable.h: one kernel source for OpenCL C 1.2 and CUDA.
 *
 * Kernels use these macros instead of either dialect's keywords. Rules that keep a kernel valid
 * in both (nvcc does not catch the OpenCL-only ones):
 *   - LOCAL arrays only at a kernel's outermost scope, without initializers, sized by -D values;
 *   - float literals with the f suffix; no double; no half arithmetic;
 *   - every work-group reaches every BARRIER (no barrier inside a branch that differs between
 *     work-items); the global size is a multiple of the local size and kernels bounds-check.
 */
#ifndef SOUNDSTORM4J_PORTABLE_H
#define SOUNDSTORM4J_PORTABLE_H

#ifdef __CUDACC__

#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL __shared__
#define CONSTANT const
#define RESTRICT __restrict__
#define INLINE __device__ static inline
#define BARRIER() __syncthreads()

__device__ static inline int portable_dim(const uint3 v, int d) { return d == 0 ? (int)v.x : d == 1 ? (int)v.y : (int)v.z; }
__device__ static inline int portable_dim(const dim3 v, int d) { return d == 0 ? (int)v.x : d == 1 ? (int)v.y : (int)v.z; }
#define LOCAL_ID(d) portable_dim(threadIdx, (d))
#define GROUP_ID(d) portable_dim(blockIdx, (d))
#define LOCAL_SIZE(d) portable_dim(blockDim, (d))
#define NUM_GROUPS(d) portable_dim(gridDim, (d))
#define GLOBAL_ID(d) (GROUP_ID(d) * LOCAL_SIZE(d) + LOCAL_ID(d))

#define EXP(x) expf(x)
#define EXPM1(x) expm1f(x)
#define TANH(x) tanhf(x)
#define SQRT(x) sqrtf(x)
#define FMAX(a, b) fmaxf((a), (b))
#define AS_INT(f) __float_as_int(f)
#define AS_FLOAT(i) __int_as_float(i)
/* a float product and sum never contracted into an FMA (results must match Java's bit for bit) */
#define FMUL(a, b) __fmul_rn((a), (b))
#define FADD(a, b) __fadd_rn((a), (b))

#else /* OpenCL C 1.2 */

#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define CONSTANT __constant
#define RESTRICT restrict
#define INLINE static inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)

#define LOCAL_ID(d) ((int)get_local_id(d))
#define GROUP_ID(d) ((int)get_group_id(d))
#define LOCAL_SIZE(d) ((int)get_local_size(d))
#define NUM_GROUPS(d) ((int)get_num_groups(d))
#define GLOBAL_ID(d) ((int)get_global_id(d))

#define EXP(x) exp(x)
#define EXPM1(x) expm1(x)
#define TANH(x) tanh(x)
#define SQRT(x) sqrt(x)
#define FMAX(a, b) fmax((a), (b))
#define AS_INT(f) as_int(f)
#define AS_FLOAT(i) as_float(i)
/* no FMA contraction anywhere in a program that includes this header */
#pragma OPENCL FP_CONTRACT OFF
#define FMUL(a, b) ((a) * (b))
#define FADD(a, b) ((a) + (b))

#endif

/* Swish (SiLU): x * sigmoid(x). */
INLINE float swish(float x) { return x / (1.0f + EXP(-x)); }

#endif
