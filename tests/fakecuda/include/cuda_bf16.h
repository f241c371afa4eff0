/*
 * cuda_bf16.h for the fake CUDA (g++): __nv_bfloat16 as the upper 16 bits of an IEEE float.
 * Conversions from float round to nearest even (NaN becomes the canonical 0x7fff, as CUDA's);
 * conversions to float are exact. Arithmetic operators are deliberately absent: the kernels
 * compute in float.
 */
#ifndef FAKECUDA_CUDA_BF16_H
#define FAKECUDA_CUDA_BF16_H

#include <cstdint>
#include <cstring>

struct __nv_bfloat16_raw {
    unsigned short x;
};

struct __nv_bfloat16;
inline __nv_bfloat16 __float2bfloat16_rn(float f);
inline float __bfloat162float(__nv_bfloat16 b);

struct __nv_bfloat16 {
    unsigned short __x;
    __nv_bfloat16() = default;
    constexpr __nv_bfloat16(__nv_bfloat16_raw r) : __x(r.x) {}
    __nv_bfloat16(float f);
    operator float() const;
    operator __nv_bfloat16_raw() const { return __nv_bfloat16_raw{__x}; }
};

inline __nv_bfloat16 __ushort_as_bfloat16(unsigned short bits) { return __nv_bfloat16(__nv_bfloat16_raw{bits}); }
inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 b) { return b.__x; }

inline __nv_bfloat16 __float2bfloat16_rn(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return __ushort_as_bfloat16(0x7fff);
    }
    u += 0x7fffu + ((u >> 16) & 1u);
    return __ushort_as_bfloat16((unsigned short)(u >> 16));
}
inline __nv_bfloat16 __float2bfloat16(float f) { return __float2bfloat16_rn(f); }
inline __nv_bfloat16 __float2bfloat16_rz(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return __ushort_as_bfloat16(0x7fff);
    }
    return __ushort_as_bfloat16((unsigned short)(u >> 16));
}
inline float __bfloat162float(__nv_bfloat16 b) {
    std::uint32_t u = (std::uint32_t)b.__x << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline __nv_bfloat16::__nv_bfloat16(float f) : __x(__float2bfloat16_rn(f).__x) {}
inline __nv_bfloat16::operator float() const { return __bfloat162float(*this); }

#endif
