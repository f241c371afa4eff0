/*
 * cublas.cpp: the fake cuBLAS (libcublas.so.13), the entry points CublasLibrary binds:
 * cublasCreate_v2, cublasDestroy_v2, cublasSetStream_v2, cublasSetWorkspace_v2, cublasGemmEx.
 *
 * cublasGemmEx has cuBLAS's column-major semantics, C = alpha op(A) op(B) + beta C with
 * op = N or T (C, the conjugate transpose, is T for real types), alpha and beta read from host
 * memory when the call is made; beta == 0 never reads C (it may hold NaN), alpha == 0 or k == 0
 * never reads A and B. Types: A and B both CUDA_R_32F (0) or both CUDA_R_16BF (14), C
 * CUDA_R_32F; compute CUBLAS_COMPUTE_32F (68) or _32F_PEDANTIC (69), or for fp32 inputs
 * _32F_FAST_TF32 (77, inputs rounded to TF32's 10-bit mantissa, to nearest) and _32F_FAST_16BF
 * (75, inputs rounded to bf16). Accumulation is fp32, k in increasing order (a GPU sums in
 * another order). Argument errors return what cuBLAS returns (CUBLAS_STATUS_INVALID_VALUE 7,
 * _NOT_SUPPORTED 15, _NOT_INITIALIZED 1) with the reason on stderr. Stricter than cuBLAS: the
 * exact extents of A, B and C must lie inside live device allocations (checked when the call is
 * made and again whenever the product runs, e.g. replayed from a graph: then a failure is the
 * driver's sticky CUDA_ERROR_ILLEGAL_ADDRESS, as the kernel's fault would be on a GPU).
 *
 * The product is a host operation on the handle's stream through the fake driver: executed
 * there, or recorded while the stream captures, like a kernel.
 */
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "fakecuda_abi.h"

#define EXPORT extern "C" __attribute__((visibility("default")))

extern "C" int cuCtxGetCurrent(void **pctx);
extern "C" int cuStreamIsCapturing(void *stream, int *status);

typedef int cublasStatus_t;

enum : int {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
};

enum : int { R_32F = 0, R_16BF = 14 };
enum : int { COMPUTE_32F = 68, COMPUTE_32F_PEDANTIC = 69, COMPUTE_32F_FAST_16BF = 75, COMPUTE_32F_FAST_TF32 = 77 };

struct cublasContext {
    bool live = true;
    void *ctx = nullptr;
    void *stream = nullptr;
    const void *workspace = nullptr;
    std::size_t workspace_bytes = 0;
    bool workspace_set = false;
    bool warned = false;
};
typedef cublasContext *cublasHandle_t;

namespace {

std::set<cublasHandle_t> g_handles;

int fail(int status, const char *api, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fail(int status, const char *api, const char *fmt, ...) {
    char buffer[2048];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    const char *name = status == 1    ? "CUBLAS_STATUS_NOT_INITIALIZED"
                       : status == 7  ? "CUBLAS_STATUS_INVALID_VALUE"
                       : status == 13 ? "CUBLAS_STATUS_EXECUTION_FAILED"
                       : status == 15 ? "CUBLAS_STATUS_NOT_SUPPORTED"
                                      : "CUBLAS_STATUS_?";
    fakecuda_log("%s -> %s (%d): %s", api, name, status, buffer);
    return status;
}

int check_handle(cublasHandle_t h, const char *api) {
    if (h == nullptr || g_handles.count(h) == 0 || !h->live) {
        return fail(CUBLAS_STATUS_NOT_INITIALIZED, api, "%p is not a live cuBLAS handle", static_cast<void *>(h));
    }
    return CUBLAS_STATUS_SUCCESS;
}

float tf32(float v) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    if ((u & 0x7f800000u) != 0x7f800000u) {
        u += 0x1000u; /* round to nearest, ties away from zero (cvt.rna.tf32.f32) */
        u &= 0xffffe000u;
    }
    std::memcpy(&v, &u, 4);
    return v;
}

float bf16_round(float v) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        u = 0x7fff0000u;
    } else {
        u += 0x7fffu + ((u >> 16) & 1u);
        u &= 0xffff0000u;
    }
    std::memcpy(&v, &u, 4);
    return v;
}

struct Gemm {
    int transa, transb, m, n, k;
    float alpha, beta;
    const void *a;
    int type;
    int lda;
    const void *b;
    int ldb;
    float *c;
    int ldc;
    int compute;
    /* while running */
    std::vector<float> opa; /* op(A), m x k, row i contiguous */
    std::vector<float> opb; /* op(B)^T, n x k, column j of op(B) contiguous */
};

std::size_t type_size(int type) { return type == R_16BF ? 2 : 4; }

/* Bytes from the first to one past the last element of a rows x cols column-major matrix with leading dimension ld. */
std::size_t extent(int rows, int cols, int ld, int type) {
    if (rows == 0 || cols == 0) {
        return 0;
    }
    return ((static_cast<std::size_t>(cols) - 1) * static_cast<std::size_t>(ld) + static_cast<std::size_t>(rows)) *
           type_size(type);
}

float element(const void *base, int type, std::size_t index, int compute) {
    float v;
    if (type == R_16BF) {
        std::uint16_t h;
        std::memcpy(&h, static_cast<const char *>(base) + 2 * index, 2);
        std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
        std::memcpy(&v, &u, 4);
        return v;
    }
    std::memcpy(&v, static_cast<const char *>(base) + 4 * index, 4);
    if (compute == COMPUTE_32F_FAST_TF32) {
        return tf32(v);
    }
    if (compute == COMPUTE_32F_FAST_16BF) {
        return bf16_round(v);
    }
    return v;
}

/* What the product reads and writes, checked against live allocations; "" if fine. */
std::string check_extents(const Gemm &g) {
    char why[1024];
    const bool reads_ab = g.alpha != 0.0f && g.k > 0;
    if (reads_ab) {
        const int ra = g.transa == 0 ? g.m : g.k;
        const int ca = g.transa == 0 ? g.k : g.m;
        if (fakecuda_check_device_range(g.a, extent(ra, ca, g.lda, g.type), why, sizeof why) != 0) {
            return std::string("A: ") + why;
        }
        const int rb = g.transb == 0 ? g.k : g.n;
        const int cb = g.transb == 0 ? g.n : g.k;
        if (fakecuda_check_device_range(g.b, extent(rb, cb, g.ldb, g.type), why, sizeof why) != 0) {
            return std::string("B: ") + why;
        }
    }
    if (fakecuda_check_device_range(g.c, extent(g.m, g.n, g.ldc, R_32F), why, sizeof why) != 0) {
        return std::string("C: ") + why;
    }
    return "";
}

void column(void *ctx, int j) {
    Gemm &g = *static_cast<Gemm *>(ctx);
    const float *bj = g.opb.data() + static_cast<std::size_t>(j) * g.k;
    float *cj = g.c + static_cast<std::size_t>(j) * g.ldc;
    for (int i = 0; i < g.m; i++) {
        float acc = 0.0f;
        if (g.alpha != 0.0f) {
            const float *ai = g.opa.data() + static_cast<std::size_t>(i) * g.k;
            for (int p = 0; p < g.k; p++) {
                acc += ai[p] * bj[p];
            }
        }
        const float product = g.alpha * acc;
        cj[i] = g.beta == 0.0f ? product : product + g.beta * cj[i];
    }
}

int run_gemm(void *payload, char *error, std::size_t error_size) {
    Gemm &g = *static_cast<Gemm *>(payload);
    std::string why = check_extents(g);
    if (!why.empty()) {
        std::snprintf(error, error_size, "%s", why.c_str());
        return 700; /* CUDA_ERROR_ILLEGAL_ADDRESS */
    }
    const bool reads_ab = g.alpha != 0.0f && g.k > 0;
    g.opa.assign(reads_ab ? static_cast<std::size_t>(g.m) * g.k : 0, 0.0f);
    g.opb.assign(reads_ab ? static_cast<std::size_t>(g.n) * g.k : 0, 0.0f);
    if (reads_ab) {
        for (int i = 0; i < g.m; i++) {
            for (int p = 0; p < g.k; p++) {
                const std::size_t at = g.transa == 0 ? i + static_cast<std::size_t>(p) * g.lda
                                                     : p + static_cast<std::size_t>(i) * g.lda;
                g.opa[static_cast<std::size_t>(i) * g.k + p] = element(g.a, g.type, at, g.compute);
            }
        }
        for (int j = 0; j < g.n; j++) {
            for (int p = 0; p < g.k; p++) {
                const std::size_t at = g.transb == 0 ? p + static_cast<std::size_t>(j) * g.ldb
                                                     : j + static_cast<std::size_t>(p) * g.ldb;
                g.opb[static_cast<std::size_t>(j) * g.k + p] = element(g.b, g.type, at, g.compute);
            }
        }
    }
    fakecuda_parallel_for(g.n, column, &g);
    g.opa.clear();
    g.opb.clear();
    g.opa.shrink_to_fit();
    g.opb.shrink_to_fit();
    return 0;
}

void release_gemm(void *payload) { delete static_cast<Gemm *>(payload); }

} // namespace

EXPORT cublasStatus_t cublasCreate_v2(cublasHandle_t *handle) {
    if (handle == nullptr) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasCreate", "null pointer");
    }
    void *ctx = nullptr;
    if (cuCtxGetCurrent(&ctx) != 0 || ctx == nullptr) {
        return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasCreate", "no CUDA context is current on this thread");
    }
    cublasHandle_t h = new cublasContext();
    h->ctx = ctx;
    g_handles.insert(h);
    *handle = h;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
    if (int r = check_handle(handle, "cublasDestroy")) {
        return r;
    }
    handle->live = false; /* the object stays, so a stale handle is recognised */
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, void *stream) {
    if (int r = check_handle(handle, "cublasSetStream")) {
        return r;
    }
    if (!fakecuda_stream_valid(stream)) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasSetStream", "%p is not a live stream", stream);
    }
    handle->stream = stream;
    /* as cuBLAS: setting a stream resets the workspace to cuBLAS's default pool */
    handle->workspace = nullptr;
    handle->workspace_bytes = 0;
    handle->workspace_set = false;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasGetStream_v2(cublasHandle_t handle, void **stream) {
    if (int r = check_handle(handle, "cublasGetStream")) {
        return r;
    }
    if (stream == nullptr) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasGetStream", "null pointer");
    }
    *stream = handle->stream;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void *workspace, std::size_t bytes) {
    if (int r = check_handle(handle, "cublasSetWorkspace")) {
        return r;
    }
    if (bytes > 0 && workspace == nullptr) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasSetWorkspace", "null workspace of %zu bytes", bytes);
    }
    if (reinterpret_cast<std::uintptr_t>(workspace) % 256 != 0) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasSetWorkspace", "workspace %p is not 256-byte aligned", workspace);
    }
    char why[1024];
    if (bytes > 0 && fakecuda_check_device_range(workspace, bytes, why, sizeof why) != 0) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasSetWorkspace", "workspace: %s", why);
    }
    handle->workspace = workspace;
    handle->workspace_bytes = bytes;
    handle->workspace_set = true;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version) {
    if (int r = check_handle(handle, "cublasGetVersion")) {
        return r;
    }
    if (version == nullptr) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, "cublasGetVersion", "null pointer");
    }
    *version = 130000;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT cublasStatus_t cublasGemmEx(cublasHandle_t handle, int transa, int transb, int m, int n, int k, const void *alpha,
                                   const void *A, int Atype, int lda, const void *B, int Btype, int ldb,
                                   const void *beta, void *C, int Ctype, int ldc, int computeType, int algo) {
    const char *api = "cublasGemmEx";
    if (int r = check_handle(handle, api)) {
        return r;
    }
    if (transa < 0 || transa > 2 || transb < 0 || transb > 2) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, api, "transa %d, transb %d (N 0, T 1, C 2)", transa, transb);
    }
    if (m < 0 || n < 0 || k < 0) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, api, "m %d, n %d, k %d", m, n, k);
    }
    const int ta = transa == 0 ? 0 : 1;
    const int tb = transb == 0 ? 0 : 1;
    const int min_lda = std::max(1, ta == 0 ? m : k);
    const int min_ldb = std::max(1, tb == 0 ? k : n);
    const int min_ldc = std::max(1, m);
    if (lda < min_lda || ldb < min_ldb || ldc < min_ldc) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, api,
                    "leading dimensions lda %d (>= %d), ldb %d (>= %d), ldc %d (>= %d) for transa %c, transb %c, m %d, "
                    "n %d, k %d",
                    lda, min_lda, ldb, min_ldb, ldc, min_ldc, ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k);
    }
    if (alpha == nullptr || beta == nullptr) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, api, "null alpha or beta");
    }
    if (Atype != Btype || (Atype != R_32F && Atype != R_16BF) || Ctype != R_32F) {
        return fail(CUBLAS_STATUS_NOT_SUPPORTED, api, "types A %d, B %d, C %d (supported: A = B = 0 or 14, C = 0)",
                    Atype, Btype, Ctype);
    }
    const bool compute_ok = computeType == COMPUTE_32F || computeType == COMPUTE_32F_PEDANTIC ||
                            (Atype == R_32F && (computeType == COMPUTE_32F_FAST_TF32 || computeType == COMPUTE_32F_FAST_16BF));
    if (!compute_ok) {
        return fail(CUBLAS_STATUS_NOT_SUPPORTED, api, "compute type %d with A/B type %d", computeType, Atype);
    }
    if (!(algo == -1 || (algo >= 0 && algo <= 23) || (algo >= 99 && algo <= 115))) {
        return fail(CUBLAS_STATUS_INVALID_VALUE, api, "algo %d", algo);
    }
    if (m == 0 || n == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    Gemm *g = new Gemm();
    g->transa = ta;
    g->transb = tb;
    g->m = m;
    g->n = n;
    g->k = k;
    std::memcpy(&g->alpha, alpha, 4); /* host pointer mode: read now */
    std::memcpy(&g->beta, beta, 4);
    g->a = A;
    g->type = Atype;
    g->lda = lda;
    g->b = B;
    g->ldb = ldb;
    g->c = static_cast<float *>(C);
    g->ldc = ldc;
    g->compute = computeType == COMPUTE_32F_PEDANTIC ? COMPUTE_32F : computeType;
    std::string why = check_extents(*g);
    if (!why.empty()) {
        delete g;
        return fail(CUBLAS_STATUS_INVALID_VALUE, api,
                    "%s (transa %c, transb %c, m %d, n %d, k %d, lda %d, ldb %d, ldc %d); on a GPU this is an illegal "
                    "memory access",
                    why.c_str(), ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, lda, ldb, ldc);
    }
    int capturing = 0;
    if (!handle->workspace_set && !handle->warned && handle->stream != nullptr &&
        cuStreamIsCapturing(handle->stream, &capturing) == 0 && capturing != 0) {
        handle->warned = true;
        fakecuda_log("warning: cublasGemmEx captured into a graph without a workspace set by cublasSetWorkspace_v2 "
                     "since the last cublasSetStream_v2: cuBLAS then uses its own workspace pool, which NVIDIA "
                     "advises against under graph capture");
    }
    int status = fakecuda_stream_host_op(handle->stream, api, run_gemm, g, release_gemm);
    if (status != 0) {
        return fail(CUBLAS_STATUS_EXECUTION_FAILED, api, "the fake driver reported CUDA error %d", status);
    }
    return CUBLAS_STATUS_SUCCESS;
}
