/*
 * fakecuda_device.h: the CUDA C++ device dialect for g++, force-included (-include) before a
 * kernel translation unit. Together with tools/rewrite_kernels.py (which turns __shared__
 * declarations into per-block storage and registers every __global__ function with its real
 * parameter types) it lets the project's unmodified .cu sources run on the CPU under the fake
 * driver. Only what the kernels need, plus a little more; anything else fails to compile.
 *
 * Semantics kept: per-block __shared__ memory (poisoned with NaN bytes when a block first
 * touches it), barriers that every thread must reach at the same call site, warp collectives
 * (shuffles, votes, __syncwarp, WMMA) that every lane of the warp must reach with the same mask,
 * round-to-nearest float arithmetic without FMA contraction (the build uses -ffp-contract=off).
 * Not kept: real GPU timing, memory-model weak orderings (the threads of a block interleave only
 * at barriers and collectives), tensor-core rounding, CUDA's device math ulp errors (glibc's
 * libm is used).
 */
#ifndef FAKECUDA_DEVICE_H
#define FAKECUDA_DEVICE_H

#define __CUDACC__ 1
#define __CUDA_ARCH__ 900
#define __NVCC__ 1
#define FAKECUDA 1

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <math.h>
#include <type_traits>
#include <utility>

#include "fakecuda_abi.h"

/* Tokens the rewriter consumes (it fails the build if one is left over). */
#define __global__ __fakecuda_global__
#define __shared__ __fakecuda_shared__
#define __launch_bounds__(...) __fakecuda_launch_bounds__(__VA_ARGS__)
#define __constant__ __fakecuda_constant__

#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __align__(n) __attribute__((aligned(n)))
#define __grid_constant__

#define threadIdx (static_cast<const ::uint3 &>(::fakecuda::self()->threadIdx))
#define blockIdx (static_cast<const ::uint3 &>(::fakecuda::self()->blockIdx))
#define blockDim (static_cast<const ::dim3 &>(::fakecuda::self()->blockDim))
#define gridDim (static_cast<const ::dim3 &>(::fakecuda::self()->gridDim))
#define warpSize 32

/* ---- barriers and warp collectives (call sites come from __builtin_FILE/LINE) ---- */

inline void __syncthreads(const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    fakecuda_syncthreads(file, line);
}

inline void __syncwarp(unsigned mask = 0xffffffffu, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    fakecuda_warp_collective("__syncwarp", file, line, mask, 1, nullptr, nullptr);
}

inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

namespace fakecuda {
enum ShuffleKind { SHFL_IDX, SHFL_UP, SHFL_DOWN, SHFL_XOR };
struct ShufflePayload {
    std::uint64_t value;
    std::uint64_t result;
    int kind;
    int operand; /* source lane, delta or lane mask */
    int width;
};
inline void shuffle_combine(void *const *payloads, int lanes) {
    ShufflePayload *const *p = reinterpret_cast<ShufflePayload *const *>(payloads);
    for (int lane = 0; lane < lanes; lane++) {
        const ShufflePayload &me = *p[lane];
        if (me.kind != p[0]->kind || me.width != p[0]->width) {
            fakecuda_fault(719, "lanes of a warp called different shuffles (kind or width differs)");
        }
        const int width = me.width;
        if (width < 1 || width > 32 || (width & (width - 1)) != 0) {
            fakecuda_fault(719, "shuffle width %d is not a power of two in [1, 32]", width);
        }
        const int base = lane & ~(width - 1);
        int src = lane;
        switch (me.kind) {
        case SHFL_IDX:
            src = base + (me.operand & (width - 1));
            break;
        case SHFL_UP:
            src = lane - me.operand >= base ? lane - me.operand : lane;
            break;
        case SHFL_DOWN:
            src = lane + me.operand < base + width ? lane + me.operand : lane;
            break;
        default: {
            const int x = lane ^ me.operand;
            src = x < base + width && x >= base ? x : lane;
        }
        }
        if (src >= lanes) {
            fakecuda_fault(719, "lane %d shuffles from lane %d, which this (partial) warp does not have", lane, src);
        }
        p[lane]->result = p[src]->value;
    }
}
template <typename T>
inline T shuffle(int kind, unsigned mask, T var, int operand, int width, const char *op, const char *file, int line) {
    static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "shuffle of a type of at most 8 bytes");
    ShufflePayload p{};
    std::memcpy(&p.value, &var, sizeof(T));
    p.kind = kind;
    p.operand = operand;
    p.width = width;
    fakecuda_warp_collective(op, file, line, mask, 0, &p, shuffle_combine);
    T r;
    std::memcpy(&r, &p.result, sizeof(T));
    return r;
}
struct VotePayload {
    int predicate;
    unsigned result;
};
inline void ballot_combine(void *const *payloads, int lanes) {
    unsigned bits = 0;
    for (int lane = 0; lane < lanes; lane++) {
        bits |= (static_cast<VotePayload *>(payloads[lane])->predicate ? 1u : 0u) << lane;
    }
    for (int lane = 0; lane < lanes; lane++) {
        static_cast<VotePayload *>(payloads[lane])->result = bits;
    }
}
inline unsigned vote(unsigned mask, int predicate, const char *op, const char *file, int line) {
    VotePayload p{predicate, 0};
    fakecuda_warp_collective(op, file, line, mask, 0, &p, ballot_combine);
    return p.result;
}
} // namespace fakecuda

template <typename T>
inline T __shfl_sync(unsigned mask, T var, int src, int width = 32, const char *file = __builtin_FILE(),
                     int line = __builtin_LINE()) {
    return fakecuda::shuffle(fakecuda::SHFL_IDX, mask, var, src, width, "__shfl_sync", file, line);
}
template <typename T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = 32, const char *file = __builtin_FILE(),
                        int line = __builtin_LINE()) {
    return fakecuda::shuffle(fakecuda::SHFL_UP, mask, var, (int)delta, width, "__shfl_up_sync", file, line);
}
template <typename T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = 32, const char *file = __builtin_FILE(),
                          int line = __builtin_LINE()) {
    return fakecuda::shuffle(fakecuda::SHFL_DOWN, mask, var, (int)delta, width, "__shfl_down_sync", file, line);
}
template <typename T>
inline T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = 32, const char *file = __builtin_FILE(),
                         int line = __builtin_LINE()) {
    return fakecuda::shuffle(fakecuda::SHFL_XOR, mask, var, lane_mask, width, "__shfl_xor_sync", file, line);
}
inline unsigned __ballot_sync(unsigned mask, int predicate, const char *file = __builtin_FILE(),
                              int line = __builtin_LINE()) {
    return fakecuda::vote(mask, predicate, "__ballot_sync", file, line);
}
inline int __any_sync(unsigned mask, int predicate, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    return fakecuda::vote(mask, predicate, "__any_sync", file, line) != 0;
}
inline int __all_sync(unsigned mask, int predicate, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    const unsigned bits = fakecuda::vote(mask, predicate, "__all_sync", file, line);
    return bits == mask;
}

/* ---- atomics (blocks of one grid may run on different OS threads) ---- */
template <typename T> inline T atomicAdd(T *address, T value) {
    if constexpr (std::is_integral<T>::value) {
        return __atomic_fetch_add(address, value, __ATOMIC_RELAXED);
    } else {
        T old = *address;
        T desired;
        do {
            desired = old + value;
        } while (!__atomic_compare_exchange(address, &old, &desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
        return old;
    }
}
template <typename T> inline T atomicExch(T *address, T value) {
    T old;
    __atomic_exchange(address, &value, &old, __ATOMIC_RELAXED);
    return old;
}
template <typename T> inline T atomicCAS(T *address, T compare, T value) {
    __atomic_compare_exchange(address, &compare, &value, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return compare;
}
template <typename T> inline T atomicMax(T *address, T value) {
    static_assert(std::is_integral<T>::value, "atomicMax of integers");
    T old = *address;
    while (old < value && !__atomic_compare_exchange(address, &old, &value, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
}
template <typename T> inline T atomicMin(T *address, T value) {
    static_assert(std::is_integral<T>::value, "atomicMin of integers");
    T old = *address;
    while (old > value && !__atomic_compare_exchange(address, &old, &value, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
}

/* ---- intrinsics ---- */
inline float __int_as_float(int i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}
inline int __float_as_int(float f) {
    int i;
    std::memcpy(&i, &f, 4);
    return i;
}
inline float __uint_as_float(unsigned i) {
    float f;
    std::memcpy(&f, &i, 4);
    return f;
}
inline unsigned __float_as_uint(float f) {
    unsigned i;
    std::memcpy(&i, &f, 4);
    return i;
}
inline long long __double_as_longlong(double d) {
    long long i;
    std::memcpy(&i, &d, 8);
    return i;
}
inline double __longlong_as_double(long long i) {
    double d;
    std::memcpy(&d, &i, 8);
    return d;
}
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline unsigned __brev(unsigned x) {
    unsigned r = 0;
    for (int i = 0; i < 32; i++) {
        r |= ((x >> i) & 1u) << (31 - i);
    }
    return r;
}
/* Correctly rounded single operations that must never fuse into an FMA: the asm barrier keeps
 * the rounded result even when a build turns FMA contraction on. */
inline float __fmul_rn(float a, float b) {
    float r = a * b;
    __asm__("" : "+x"(r));
    return r;
}
inline float __fadd_rn(float a, float b) {
    float r = a + b;
    __asm__("" : "+x"(r));
    return r;
}
inline float __fsub_rn(float a, float b) {
    float r = a - b;
    __asm__("" : "+x"(r));
    return r;
}
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline double __dmul_rn(double a, double b) {
    double r = a * b;
    __asm__("" : "+x"(r));
    return r;
}
inline double __dadd_rn(double a, double b) {
    double r = a + b;
    __asm__("" : "+x"(r));
    return r;
}
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : (x == x ? x : 0.0f)); }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
template <typename T> inline T __ldg(const T *p) { return *p; }

/* CUDA's integer min/max overloads of device code */
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }

/* ---- kernel registration (the rewriter appends one Registrar after each __global__ function) ---- */
namespace fakecuda {

template <typename T> struct ParamKindOf {
    static constexpr int kind = std::is_pointer<T>::value ? PARAM_POINTER : PARAM_VALUE;
};
template <typename T> constexpr std::size_t pointee_size() {
    if constexpr (std::is_pointer<T>::value) {
        using P = std::remove_cv_t<std::remove_pointer_t<T>>;
        if constexpr (std::is_void<P>::value) {
            return 1;
        } else {
            return sizeof(P);
        }
    } else {
        return 0;
    }
}
template <typename T> constexpr std::size_t pointee_align() {
    if constexpr (std::is_pointer<T>::value) {
        using P = std::remove_cv_t<std::remove_pointer_t<T>>;
        if constexpr (std::is_void<P>::value) {
            return 1;
        } else {
            return alignof(P);
        }
    } else {
        return 0;
    }
}
template <typename T> const char *type_name() {
    /* "const char* fakecuda::type_name() [with T = float*]" -> the part after "T = " */
    return __PRETTY_FUNCTION__;
}

template <typename... A> struct Params {
    static constexpr int count = sizeof...(A);
    static constexpr std::size_t sizes[count + 1] = {sizeof(A)..., 0};
    static constexpr std::size_t aligns[count + 1] = {alignof(A)..., 1};
    static constexpr std::size_t offset(int i) {
        std::size_t at = 0;
        for (int j = 0; j <= i; j++) {
            at = (at + aligns[j] - 1) / aligns[j] * aligns[j];
            if (j < i) {
                at += sizes[j];
            }
        }
        return at;
    }
    static constexpr std::size_t total() {
        return count == 0 ? 0 : offset(count - 1) + sizes[count - 1];
    }
    template <std::size_t... I> static ParamInfo *table(std::index_sequence<I...>) {
        static ParamInfo t[count + 1] = {{sizeof(A), alignof(A), offset((int)I), ParamKindOf<A>::kind,
                                          pointee_size<A>(), pointee_align<A>(), type_name<A>()}...,
                                         {0, 0, 0, 0, 0, 0, nullptr}};
        return t;
    }
    template <typename X> static X load(const unsigned char *args, std::size_t at) {
        std::remove_cv_t<X> v;
        std::memcpy(static_cast<void *>(&v), args + at, sizeof(X));
        return v;
    }
    template <std::size_t... I> static void call(void (*fn)(A...), const unsigned char *args, std::index_sequence<I...>) {
        fn(load<A>(args, offset((int)I))...);
    }
    static void invoke(void *fn, const unsigned char *args) {
        call(reinterpret_cast<void (*)(A...)>(fn), args, std::index_sequence_for<A...>{});
    }
};

void add_kernel(const KernelInfo *info); /* defined in fakecuda_registry.h, once per kernel library */

struct Registrar {
    template <typename... A> Registrar(void (*fn)(A...), const char *name, int max_threads, const char *file) {
        static_assert((std::is_trivially_copyable<A>::value && ...), "kernel parameters must be trivially copyable");
        KernelInfo *info = new KernelInfo{ABI_VERSION, name, max_threads, Params<A...>::count,
                                          Params<A...>::table(std::index_sequence_for<A...>{}), Params<A...>::total(),
                                          &Params<A...>::invoke, reinterpret_cast<void *>(fn), file};
        add_kernel(info);
    }
};

} // namespace fakecuda

#endif
