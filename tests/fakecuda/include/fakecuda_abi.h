/*
 * fakecuda_abi.h: what the fake driver (libcuda.so.1) and a kernel library compiled with g++
 * (libfakecuda_kernels.so) share. Not a CUDA header: the kernels see it through
 * fakecuda_device.h, the driver and the fake cuBLAS include it directly.
 *
 * Execution model: every CUDA thread of a block runs on its own fiber (a small stack of its own,
 * switched cooperatively on one OS thread); a fiber gives up the CPU only inside a barrier, a
 * warp collective (shuffle, vote, wmma) or at its end. Blocks of a grid are spread over a few
 * worker OS threads, each running one block at a time. A fiber finds its ThreadCtx from its
 * stack pointer: fiber stacks are STACK_SIZE bytes, aligned to that size, and keep a pointer to
 * the context (and a magic word) near their top (context_slot).
 */
#ifndef FAKECUDA_ABI_H
#define FAKECUDA_ABI_H

#include <atomic>
#include <cstddef>
#include <cstdint>

/* CUDA's built-in vector types, at global scope as in CUDA. */
struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

namespace fakecuda {

constexpr std::uintptr_t STACK_SIZE = 256 * 1024; /* a power of two: stacks are aligned to it */
constexpr std::uint64_t STACK_MAGIC = 0x66616b6563756461ull; /* "fakecuda" */
constexpr int ABI_VERSION = 3;

struct Block;

/* One CUDA thread, as its kernel code sees it. */
struct ThreadCtx {
    uint3 threadIdx;
    uint3 blockIdx;
    dim3 blockDim;
    dim3 gridDim;
    int linear; /* threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z) */
    int lane;   /* linear % 32 */
    int warp;   /* linear / 32 */
    Block *block;
};

/*
 * Where a fiber stack (STACK_SIZE bytes at base) keeps its ThreadCtx pointer and magic word; the
 * fiber's frames start just below. Stacks are aligned to STACK_SIZE, so without an offset their
 * hot top lines would all fall into the same cache sets: the offset (a "colour" from the stack's
 * address, up to 4 KiB) spreads them.
 */
inline std::uintptr_t context_slot(std::uintptr_t base) {
    return base + STACK_SIZE - 64 - ((base / STACK_SIZE) & 63) * 64;
}

/* The calling fiber's context (kernel code runs only on fibers). */
[[noreturn]] __attribute__((visibility("default"))) void not_on_fiber();
inline ThreadCtx *self() {
    std::uintptr_t sp;
    __asm__("movq %%rsp, %0" : "=r"(sp));
    const std::uint64_t *slot = reinterpret_cast<const std::uint64_t *>(context_slot(sp & ~(STACK_SIZE - 1)));
    if (__builtin_expect(slot[1] != STACK_MAGIC, 0)) {
        not_on_fiber();
    }
    return reinterpret_cast<ThreadCtx *>(slot[0]);
}

/* A kernel parameter as the kernel's C++ signature declares it. */
enum ParamKind { PARAM_VALUE = 0, PARAM_POINTER = 1 };
struct ParamInfo {
    std::size_t size;
    std::size_t align;
    std::size_t offset;        /* in the packed argument buffer (CUDA's parameter layout) */
    int kind;                  /* ParamKind */
    std::size_t pointee_size;  /* pointers: sizeof(*p) (1 for void) */
    std::size_t pointee_align; /* pointers: alignof(*p) */
    const char *type;          /* the C++ type, for messages */
};

/* One __global__ function of a kernel library. */
struct KernelInfo {
    int abi_version;
    const char *name;
    int max_threads; /* __launch_bounds__, or 0 */
    int nparams;
    const ParamInfo *params;
    std::size_t args_size;
    void (*invoke)(void *fn, const unsigned char *args); /* calls fn with the packed arguments */
    void *fn;
    const char *file;
};

/* A __shared__ variable (one per declaration; the rewriter emits them). */
struct SharedSite {
    std::size_t size;
    std::size_t align;
    const char *name;
    const char *file;
    int line;
    std::atomic<int> id; /* assigned by the runtime on first use; -1 before */
};

/* A warp collective's combine step: runs once, on the last lane to arrive, with every lane's payload. */
typedef void (*CombineFn)(void *const *payloads, int lanes);

} // namespace fakecuda

extern "C" {
/* ---- exported by the fake driver for kernel code ---- */
/* This block's storage for a __shared__ variable: poisoned (0xff bytes: NaN) when the block first touches it. */
void *fakecuda_shared_get(fakecuda::SharedSite *site);
/* __syncthreads(): every thread of the block must arrive, at the same call site. */
void fakecuda_syncthreads(const char *file, int line);
/*
 * A warp-wide operation: every lane of the warp (mask must name exactly the warp's lanes) arrives
 * with the same op (and, unless any_site, at the same call site); the last one runs combine over
 * all payloads (indexed by lane) and then every lane continues.
 */
void fakecuda_warp_collective(const char *op, const char *file, int line, unsigned mask, int any_site, void *payload,
                              fakecuda::CombineFn combine);
/* Stops the launch with a device-side error (a CUresult such as 700, 716, 719), from kernel code. */
[[noreturn]] void fakecuda_fault(int cuda_error, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* ---- exported by a kernel library ---- */
const fakecuda::KernelInfo *const *fakecuda_kernel_table(int *count);

/* ---- exported by the fake driver for the fake cuBLAS ---- */
/* A host-side operation on a stream (executed now, or recorded while the stream captures). */
typedef int (*fakecuda_host_op_fn)(void *payload, char *error, std::size_t error_size);
/*
 * Runs (or, when the stream is capturing, records) op on the stream: the payload is owned by the
 * driver from then on and freed with release when no graph holds it. Returns a CUresult.
 */
int fakecuda_stream_host_op(void *stream, const char *name, fakecuda_host_op_fn op, void *payload,
                            void (*release)(void *));
/* CUDA_SUCCESS if [p, p + bytes) lies inside one live device allocation, else an error and why. */
int fakecuda_check_device_range(const void *p, std::size_t bytes, char *why, std::size_t why_size);
/* Whether stream is 0 or a live stream of the current context. */
int fakecuda_stream_valid(void *stream);
/* Runs fn(ctx, i) for i in [0, n) on the worker threads (the caller takes part). */
void fakecuda_parallel_for(int n, void (*fn)(void *ctx, int i), void *ctx);
/* Prints a message as the driver does (stderr, "fakecuda: " prefix). */
void fakecuda_log(const char *format, ...) __attribute__((format(printf, 1, 2)));
}

#endif
