/*
 * mma.h for the fake CUDA (g++): nvcuda::wmma for the shape and types the kernels use:
 * 16x16x16, __nv_bfloat16 matrix_a / matrix_b (row_major or col_major), float accumulator.
 *
 * A fragment holds 8 elements per lane (256 / 32), lane l owning elements 8l .. 8l+7 of the
 * 16 x 16 tile in row-major order; code must not rely on that (real GPUs map elements to lanes
 * otherwise). load_matrix_sync, mma_sync and store_matrix_sync are warp collectives: every lane
 * of the warp must call them (the same call site, the same pointer, ldm and layout, checked);
 * then each lane loads or stores its own elements when it runs on, so a lane reading what other
 * lanes stored needs a __syncwarp in between, as on a GPU;
 * the pointer must be 32-byte aligned and ldm a multiple of 16 bytes, as WMMA requires
 * (violations stop the launch with CUDA_ERROR_MISALIGNED_ADDRESS). mma_sync multiplies exactly
 * (bf16 products are exact in float) and accumulates in float, k in increasing order, starting
 * from C: tensor cores round their accumulation differently.
 */
#ifndef FAKECUDA_MMA_H
#define FAKECUDA_MMA_H

#include <cstdint>
#include <type_traits>

#include "cuda_bf16.h"
#include "fakecuda_abi.h"

namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int M, int N, int K, typename T, typename Layout = void> struct fragment {
    static_assert(M == 16 && N == 16 && K == 16, "fakecuda's wmma has only the 16x16x16 shape");
    static_assert(std::is_same<Use, accumulator>::value ? std::is_same<T, float>::value && std::is_void<Layout>::value
                                                        : std::is_same<T, __nv_bfloat16>::value &&
                                                              (std::is_same<Layout, row_major>::value ||
                                                               std::is_same<Layout, col_major>::value),
                  "fakecuda's wmma has bf16 matrix_a/matrix_b (row_major or col_major) and float accumulators only");
    using element_type = T;
    using storage_element_type = T;
    static constexpr int num_elements = 8;
    T x[num_elements];
};

namespace detail {

inline float value(float v) { return v; }
inline float value(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T> inline T from_float(float v);
template <> inline float from_float<float>(float v) { return v; }

struct LoadPayload {
    void *frag;
    const void *ptr;
    unsigned ldm;
    int col_major;
};

template <typename T> inline void check_pointer(const char *op, const void *ptr, unsigned ldm, int lanes) {
    if (lanes != 32) {
        fakecuda_fault(719, "%s in a partial warp of %d lanes", op, lanes);
    }
    if (reinterpret_cast<std::uintptr_t>(ptr) % 32 != 0) {
        fakecuda_fault(716, "%s: pointer %p is not 256-bit aligned", op, ptr);
    }
    if ((ldm * sizeof(T)) % 16 != 0) {
        fakecuda_fault(716, "%s: ldm %u (%zu bytes) is not a multiple of 16 bytes", op, ldm, (std::size_t)ldm * sizeof(T));
    }
}

template <typename T> inline void load_combine(void *const *payloads, int lanes) {
    const LoadPayload &first = *static_cast<LoadPayload *>(payloads[0]);
    check_pointer<T>("wmma::load_matrix_sync", first.ptr, first.ldm, lanes);
    for (int lane = 1; lane < lanes; lane++) {
        const LoadPayload &p = *static_cast<LoadPayload *>(payloads[lane]);
        if (p.ptr != first.ptr || p.ldm != first.ldm || p.col_major != first.col_major) {
            fakecuda_fault(719, "wmma::load_matrix_sync: lane %d passed (%p, ldm %u), lane 0 (%p, ldm %u)", lane, p.ptr,
                           p.ldm, first.ptr, first.ldm);
        }
    }
}

/* A lane's own elements, read (load) or written (store) by the lane itself once the warp has met,
 * as on a GPU: another lane's part reaches memory only when that lane gets to it, so reading it
 * back needs a __syncwarp. */
template <typename T> inline void load_own(T *x, const T *src, unsigned ldm, int col_major) {
    const int lane = ::fakecuda::self()->lane;
    for (int s = 0; s < 8; s++) {
        const int e = lane * 8 + s;
        const int r = e / 16;
        const int c = e % 16;
        x[s] = col_major ? src[r + (std::size_t)c * ldm] : src[(std::size_t)r * ldm + c];
    }
}

struct MmaPayload {
    float *d;
    const __nv_bfloat16 *a;
    const __nv_bfloat16 *b;
    const float *c;
};

inline void mma_combine(void *const *payloads, int lanes) {
    if (lanes != 32) {
        fakecuda_fault(719, "wmma::mma_sync in a partial warp of %d lanes", lanes);
    }
    float a[16][16];
    float b[16][16];
    float c[16][16];
    for (int lane = 0; lane < 32; lane++) {
        const MmaPayload &p = *static_cast<MmaPayload *>(payloads[lane]);
        for (int s = 0; s < 8; s++) {
            const int e = lane * 8 + s;
            a[e / 16][e % 16] = value(p.a[s]);
            b[e / 16][e % 16] = value(p.b[s]);
            c[e / 16][e % 16] = p.c[s];
        }
    }
    for (int lane = 0; lane < 32; lane++) {
        const MmaPayload &p = *static_cast<MmaPayload *>(payloads[lane]);
        for (int s = 0; s < 8; s++) {
            const int e = lane * 8 + s;
            const int i = e / 16;
            const int j = e % 16;
            float sum = c[i][j];
            for (int k = 0; k < 16; k++) {
                sum += a[i][k] * b[k][j];
            }
            p.d[s] = sum;
        }
    }
}

struct StorePayload {
    void *ptr;
    const float *frag;
    unsigned ldm;
    int col_major;
};

template <typename T> inline void store_combine(void *const *payloads, int lanes) {
    const StorePayload &first = *static_cast<StorePayload *>(payloads[0]);
    check_pointer<T>("wmma::store_matrix_sync", first.ptr, first.ldm, lanes);
    for (int lane = 1; lane < lanes; lane++) {
        const StorePayload &p = *static_cast<StorePayload *>(payloads[lane]);
        if (p.ptr != first.ptr || p.ldm != first.ldm || p.col_major != first.col_major) {
            fakecuda_fault(719, "wmma::store_matrix_sync: lane %d passed (%p, ldm %u), lane 0 (%p, ldm %u)", lane, p.ptr,
                           p.ldm, first.ptr, first.ldm);
        }
    }
}

template <typename T> inline void store_own(T *dst, const float *x, unsigned ldm, int col_major) {
    const int lane = ::fakecuda::self()->lane;
    for (int s = 0; s < 8; s++) {
        const int e = lane * 8 + s;
        const int r = e / 16;
        const int c = e % 16;
        dst[col_major ? r + (std::size_t)c * ldm : (std::size_t)r * ldm + c] = from_float<T>(x[s]);
    }
}

} // namespace detail

template <typename Use, typename T, typename Layout>
inline void fill_fragment(fragment<Use, 16, 16, 16, T, Layout> &f, const T &v) {
    for (int s = 0; s < 8; s++) {
        f.x[s] = v;
    }
}
template <typename Use, typename T, typename Layout, typename V,
          typename = std::enable_if_t<!std::is_same<T, V>::value && std::is_arithmetic<V>::value>>
inline void fill_fragment(fragment<Use, 16, 16, 16, T, Layout> &f, V v) {
    fill_fragment(f, static_cast<const T &>(T(static_cast<float>(v))));
}

template <typename Use, typename Layout>
inline void load_matrix_sync(fragment<Use, 16, 16, 16, __nv_bfloat16, Layout> &f, const __nv_bfloat16 *p, unsigned ldm,
                             const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    static_assert(!std::is_same<Use, accumulator>::value, "bf16 accumulators are not supported");
    detail::LoadPayload payload{f.x, p, ldm, std::is_same<Layout, col_major>::value ? 1 : 0};
    fakecuda_warp_collective("wmma::load_matrix_sync", file, line, 0xffffffffu, 0, &payload,
                             detail::load_combine<__nv_bfloat16>);
    detail::load_own(f.x, p, ldm, payload.col_major);
}

inline void load_matrix_sync(fragment<accumulator, 16, 16, 16, float> &f, const float *p, unsigned ldm, layout_t layout,
                             const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    detail::LoadPayload payload{f.x, p, ldm, layout == mem_col_major ? 1 : 0};
    fakecuda_warp_collective("wmma::load_matrix_sync", file, line, 0xffffffffu, 0, &payload, detail::load_combine<float>);
    detail::load_own(f.x, p, ldm, payload.col_major);
}

template <typename LA, typename LB>
inline void mma_sync(fragment<accumulator, 16, 16, 16, float> &d, const fragment<matrix_a, 16, 16, 16, __nv_bfloat16, LA> &a,
                     const fragment<matrix_b, 16, 16, 16, __nv_bfloat16, LB> &b,
                     const fragment<accumulator, 16, 16, 16, float> &c, const char *file = __builtin_FILE(),
                     int line = __builtin_LINE()) {
    /* every lane's d is written only after every lane's a, b and c were read (d may be c) */
    detail::MmaPayload payload{d.x, a.x, b.x, c.x};
    fakecuda_warp_collective("wmma::mma_sync", file, line, 0xffffffffu, 0, &payload, detail::mma_combine);
}

inline void store_matrix_sync(float *p, const fragment<accumulator, 16, 16, 16, float> &f, unsigned ldm, layout_t layout,
                              const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    detail::StorePayload payload{p, f.x, ldm, layout == mem_col_major ? 1 : 0};
    fakecuda_warp_collective("wmma::store_matrix_sync", file, line, 0xffffffffu, 0, &payload,
                             detail::store_combine<float>);
    detail::store_own(p, f.x, ldm, payload.col_major);
}

} // namespace wmma
} // namespace nvcuda

#endif
