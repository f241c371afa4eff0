/*
 * selftest.cpp: the fake CUDA's own tests, through the same entry points JCuda and the backend
 * use. Each check states what a real GPU (driver, cuBLAS) does and that the fake does the same,
 * or that the fake catches what it promises to catch (README.md). Run by run.sh before the Java
 * tests; exits non-zero when a check fails.
 *   FAKECUDA_KERNELS=target/fakecuda/libfakecuda_selftest_kernels.so target/fakecuda/fakecuda_selftest
 */
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fakecuda_driver_types.h"
#include "fakecuda_driver_api.h"

#define DECLARE(name, params) extern "C" CUresult name params;
FAKECUDA_DRIVER_API(DECLARE)
#undef DECLARE

extern "C" {
typedef struct cublasContext *cublasHandle_t;
int cublasCreate_v2(cublasHandle_t *handle);
int cublasDestroy_v2(cublasHandle_t handle);
int cublasSetStream_v2(cublasHandle_t handle, CUstream stream);
int cublasSetWorkspace_v2(cublasHandle_t handle, void *workspace, size_t bytes);
int cublasGemmEx(cublasHandle_t handle, int transa, int transb, int m, int n, int k, const void *alpha, const void *A,
                 int Atype, int lda, const void *B, int Btype, int ldb, const void *beta, void *C, int Ctype, int ldc,
                 int computeType, int algo);
}

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        checks++;                                                                                                      \
        if (!(cond)) {                                                                                                 \
            failures++;                                                                                                \
            std::printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                           \
            std::printf(__VA_ARGS__);                                                                                  \
            std::printf("\n");                                                                                         \
        }                                                                                                              \
    } while (0)
#define EXPECT(call, code) CHECK((call) == (code), "%s returned %d, expected %d", #call, (int)(call), (int)(code))
#define OK(call) EXPECT(call, 0)

static const char *KERNELS[] = {"params_probe",      "shared_fresh",       "shared_reverse", "shuffles",
                                "ballots",           "barrier_after_exit", "barrier_two_sites", "shuffle_after_exit",
                                "stuck",             "partial_warp_mask",  "too_much_shared", "bounded",
                                "wmma_gemm",         "wmma_misaligned",    "wmma_divergent",  "add_one",
                                "set_value",         "write_past_end",     "block_sums",      "wmma_store_readback"};

/* A minimal fatbin: one entry of the given kind (1 PTX, 2 SASS) and architecture whose payload names the kernels. */
static std::vector<unsigned char> fatbin(int kind, unsigned arch, std::uint32_t magic = 0xba55ed50u) {
    std::string names;
    for (const char *k : KERNELS) {
        names += std::string(k) + '\0';
    }
    std::vector<unsigned char> image(16 + 64 + names.size(), 0);
    std::uint16_t version = 1, header = 16;
    std::uint64_t body = 64 + names.size();
    std::memcpy(&image[0], &magic, 4);
    std::memcpy(&image[4], &version, 2);
    std::memcpy(&image[6], &header, 2);
    std::memcpy(&image[8], &body, 8);
    std::uint16_t k = static_cast<std::uint16_t>(kind), flags = 0x0101;
    std::uint32_t entry_header = 64;
    std::uint64_t payload = names.size();
    std::memcpy(&image[16], &k, 2);
    std::memcpy(&image[18], &flags, 2);
    std::memcpy(&image[20], &entry_header, 4);
    std::memcpy(&image[24], &payload, 8);
    std::memcpy(&image[16 + 28], &arch, 4);
    std::memcpy(&image[80], names.data(), names.size());
    return image;
}

struct Session {
    CUcontext ctx = nullptr;
    CUstream stream = nullptr;
    CUmodule module = nullptr;

    void open() {
        OK(cuDevicePrimaryCtxRetain(&ctx, 0));
        OK(cuCtxSetCurrent(ctx));
        OK(cuStreamCreate(&stream, 1));
        std::vector<unsigned char> image = fatbin(1, 90);
        OK(cuModuleLoadData(&module, image.data()));
    }
    void close() { OK(cuDevicePrimaryCtxRelease_v2(0)); }
    CUfunction fn(const char *name) {
        CUfunction f = nullptr;
        OK(cuModuleGetFunction(&f, module, name));
        return f;
    }
    CUdeviceptr alloc(size_t bytes) {
        CUdeviceptr p = 0;
        OK(cuMemAlloc_v2(&p, bytes));
        return p;
    }
    CUresult launch(const char *name, unsigned gx, unsigned bx, std::vector<void *> params, unsigned gy = 1) {
        return cuLaunchKernel(fn(name), gx, gy, 1, bx, 1, 1, 0, stream, params.data(), nullptr);
    }
    template <typename T> std::vector<T> read(CUdeviceptr p, size_t n) {
        std::vector<T> v(n);
        OK(cuMemcpyDtoHAsync_v2(v.data(), p, n * sizeof(T), stream));
        OK(cuStreamSynchronize(stream));
        return v;
    }
    template <typename T> void write(CUdeviceptr p, const std::vector<T> &v) {
        OK(cuMemcpyHtoDAsync_v2(p, v.data(), v.size() * sizeof(T), stream));
        OK(cuStreamSynchronize(stream));
    }
    /* after a sticky error: a fresh primary context */
    void reset() {
        close();
        open();
    }
};

static std::uint16_t bf16(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}
static float from_bf16(std::uint16_t h) {
    std::uint32_t u = static_cast<std::uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

static void test_driver_basics() {
    int v = 0;
    CUdevice dev = -1;
    OK(cuInit(0));
    OK(cuDriverGetVersion(&v));
    CHECK(v >= 12000, "driver version %d", v);
    OK(cuDeviceGetCount(&v));
    CHECK(v == 1, "device count %d", v);
    EXPECT(cuDeviceGet(&dev, 1), 101);
    OK(cuDeviceGet(&dev, 0));
    char name[64];
    OK(cuDeviceGetName(name, sizeof name, dev));
    CHECK(std::strstr(name, "fake") != nullptr, "name %s", name);
    int major = 0, minor = -1;
    OK(cuDeviceGetAttribute(&major, 75, dev));
    OK(cuDeviceGetAttribute(&minor, 76, dev));
    CHECK(major * 10 + minor == (std::getenv("FAKECUDA_CC") ? std::atoi(std::getenv("FAKECUDA_CC")) : 90),
          "compute capability %d.%d", major, minor);
    const char *s = nullptr;
    OK(cuGetErrorName(901, &s));
    CHECK(s && std::strcmp(s, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED") == 0, "error name %s", s ? s : "null");
    /* no current context yet */
    CUdeviceptr p;
    EXPECT(cuMemAlloc_v2(&p, 16), 201);
}

static void test_modules(Session &s) {
    CUmodule m = nullptr;
    std::vector<unsigned char> bad = fatbin(1, 90, 0x464c457fu);
    EXPECT(cuModuleLoadData(&m, bad.data()), 200);
    std::vector<unsigned char> old = fatbin(2, 80); /* sm_80 SASS only: does not run on sm_90 */
    EXPECT(cuModuleLoadData(&m, old.data()), 209);
    CUfunction f = nullptr;
    EXPECT(cuModuleGetFunction(&f, s.module, "no_such_kernel"), 500);
}

static void test_params(Session &s) {
    CUdeviceptr in = s.alloc(4), out = s.alloc(40);
    s.write<int>(in, {-77});
    int a = -5;
    long long b = 0x123456789abcdefll;
    float c = 2.5f;
    double d = -1.25e300;
    unsigned char e = 200;
    short f = -300;
    OK(s.launch("params_probe", 3, 7, {&a, &b, &c, &d, &in, &e, &out, &f}, 2));
    std::vector<int> r = s.read<int>(out, 10);
    float rc;
    std::memcpy(&rc, &r[3], 4);
    long long dbits = (static_cast<long long>(r[5]) << 32) | static_cast<unsigned>(r[4]);
    double rd;
    std::memcpy(&rd, &dbits, 8);
    CHECK(r[0] == a && r[1] == static_cast<int>(b & 0xffffffff) && r[2] == static_cast<int>(b >> 32) && rc == c && rd == d &&
              r[6] == -77 && r[7] == 200 && r[8] == -300 && r[9] == 7000 + 300 + 20 + 1,
          "parameters arrived as %d %d %d %g %g %d %d %d %d", r[0], r[1], r[2], rc, rd, r[6], r[7], r[8], r[9]);
}

static void test_shared(Session &s) {
    CUdeviceptr out = s.alloc(4 * 32 * 6);
    OK(s.launch("shared_fresh", 6, 32, {&out}));
    std::vector<float> r = s.read<float>(out, 32 * 6);
    bool all_nan = true;
    for (float x : r) {
        all_nan = all_nan && std::isnan(x);
    }
    CHECK(all_nan, "a block read shared memory it had not written and did not get NaN (another block's data?)");
    CUdeviceptr rev = s.alloc(4 * 64 * 40);
    OK(s.launch("shared_reverse", 40, 64, {&rev}));
    std::vector<float> q = s.read<float>(rev, 64 * 40);
    bool right = true;
    for (int b = 0; b < 40; b++) {
        for (int t = 0; t < 64; t++) {
            right = right && q[b * 64 + t] == static_cast<float>(b * 100 + 63 - t);
        }
    }
    CHECK(right, "shared_reverse: blocks shared (or lost) their __shared__ arrays");
    std::vector<float> in(128 * 300);
    for (size_t i = 0; i < in.size(); i++) {
        in[i] = static_cast<float>(i % 7);
    }
    CUdeviceptr din = s.alloc(4 * in.size()), dout = s.alloc(4 * 300);
    s.write(din, in);
    OK(s.launch("block_sums", 300, 128, {&din, &dout}));
    std::vector<float> sums = s.read<float>(dout, 300);
    bool sums_right = true;
    for (int b = 0; b < 300; b++) {
        float e = 0;
        for (int t = 0; t < 128; t++) {
            e += in[b * 128 + t];
        }
        sums_right = sums_right && sums[b] == e;
    }
    CHECK(sums_right, "block_sums: a tree reduction over __shared__ with barriers went wrong");
}

static void test_shuffles(Session &s) {
    CUdeviceptr out = s.alloc(4 * 6 * 64);
    OK(s.launch("shuffles", 1, 64, {&out}));
    std::vector<int> r = s.read<int>(out, 6 * 64);
    bool right = true;
    for (int i = 0; i < 64; i++) {
        const int lane = i % 32, base = i - lane;
        auto v = [&](int l) { return (base + l) * 3 + 1; };
        right = right && r[6 * i] == v(lane ^ 5);
        right = right && r[6 * i + 1] == v(lane + 3 < 32 ? lane + 3 : lane);
        right = right && r[6 * i + 2] == v(lane >= 2 ? lane - 2 : lane);
        right = right && r[6 * i + 3] == v(7);
        right = right && r[6 * i + 4] == v(lane ^ 1);
        right = right && r[6 * i + 5] == v(lane ^ 16);
        if (!right) {
            std::printf("  thread %d: %d %d %d %d %d %d\n", i, r[6 * i], r[6 * i + 1], r[6 * i + 2], r[6 * i + 3],
                        r[6 * i + 4], r[6 * i + 5]);
            break;
        }
    }
    CHECK(right, "shuffle results differ from CUDA's semantics");
    CUdeviceptr b = s.alloc(4 * 64);
    OK(s.launch("ballots", 1, 64, {&b}));
    std::vector<unsigned> bits = s.read<unsigned>(b, 64);
    unsigned expect0 = 0, expect1 = 0;
    for (int l = 0; l < 32; l++) {
        expect0 |= (l % 3 == 0 ? 1u : 0u) << l;
        expect1 |= ((32 + l) % 3 == 0 ? 1u : 0u) << l;
    }
    CHECK(bits[0] == expect0 && bits[31] == expect0 && bits[32] == expect1, "ballot %#x %#x", bits[0], bits[32]);
}

/* a kernel the fake must stop: the launch returns code (sticky), and a fresh context works again */
static void expect_kernel_error(Session &s, const char *kernel, unsigned grid, unsigned block, std::vector<void *> params,
                                CUresult code) {
    CUresult r = s.launch(kernel, grid, block, params);
    if (r == 0) {
        r = cuStreamSynchronize(s.stream); /* deferred mode reports it here */
    }
    CHECK(r == code, "%s: got %d, expected %d", kernel, r, code);
    if (code >= 700 && code < 800) {
        CUdeviceptr p;
        CHECK(cuMemAlloc_v2(&p, 4) == code, "%s: error %d is not sticky", kernel, code);
        s.reset();
    }
}

static void test_kernel_errors(Session &s) {
    CUdeviceptr out = s.alloc(4 * 1024);
    expect_kernel_error(s, "barrier_after_exit", 1, 64, {&out}, 719);
    out = s.alloc(4 * 1024);
    expect_kernel_error(s, "barrier_two_sites", 1, 64, {&out}, 719);
    out = s.alloc(4 * 1024);
    expect_kernel_error(s, "shuffle_after_exit", 1, 32, {&out}, 719);
    out = s.alloc(4 * 1024);
    expect_kernel_error(s, "stuck", 1, 64, {&out}, 719);
    out = s.alloc(4 * 1024);
    expect_kernel_error(s, "partial_warp_mask", 1, 48, {&out}, 719);
    out = s.alloc(4 * 1024);
    expect_kernel_error(s, "too_much_shared", 1, 32, {&out}, 701);
    out = s.alloc(4 * 1024);
    EXPECT(s.launch("bounded", 1, 128, {&out}), 701);
    EXPECT(s.launch("bounded", 0, 32, {&out}), 1);
    EXPECT(s.launch("bounded", 1, 2048, {&out}), 1);
    OK(s.launch("bounded", 1, 64, {&out}));
    /* pointer arguments: freed, misaligned, pinned host memory */
    CUdeviceptr gone = s.alloc(64);
    OK(cuMemFree_v2(gone));
    int n = 4;
    expect_kernel_error(s, "add_one", 1, 32, {&gone, &n}, 700);
    CUdeviceptr buf = s.alloc(64);
    CUdeviceptr odd = buf + 2;
    expect_kernel_error(s, "add_one", 1, 32, {&odd, &n}, 700);
    void *pinned = nullptr;
    OK(cuMemHostAlloc(&pinned, 64, 0));
    CUdeviceptr host = reinterpret_cast<CUdeviceptr>(pinned);
    expect_kernel_error(s, "add_one", 1, 32, {&host, &n}, 700);
}

static void test_wmma(Session &s) {
    std::vector<std::uint16_t> a(16 * 24), b(16 * 16);
    std::vector<float> af(a.size()), bf(b.size());
    for (size_t i = 0; i < a.size(); i++) {
        a[i] = bf16(static_cast<float>((i * 37) % 17) / 8.0f - 1.0f);
        af[i] = from_bf16(a[i]);
    }
    for (size_t i = 0; i < b.size(); i++) {
        b[i] = bf16(static_cast<float>((i * 11) % 13) / 4.0f - 1.5f);
        bf[i] = from_bf16(b[i]);
    }
    CUdeviceptr da = s.alloc(2 * a.size()), db = s.alloc(2 * b.size()), dc = s.alloc(4 * 16 * 20);
    s.write(da, a);
    s.write(db, b);
    OK(s.launch("wmma_gemm", 1, 32, {&da, &db, &dc}));
    std::vector<float> c = s.read<float>(dc, 16 * 20);
    double worst = 0;
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
            double e = 1.0;
            for (int k = 0; k < 16; k++) {
                e += static_cast<double>(af[i * 24 + k]) * bf[j * 16 + k]; /* B col major: (k, j) at j*16 + k */
            }
            worst = std::max(worst, std::fabs(e - c[i * 20 + j]));
        }
    }
    CHECK(worst < 1e-4, "wmma 16x16x16: max error %g", worst);
    /* what other lanes stored is there only after a __syncwarp */
    CUdeviceptr rb = s.alloc(4 * 256);
    int sync = 1;
    OK(s.launch("wmma_store_readback", 1, 32, {&rb, &sync}));
    std::vector<float> back = s.read<float>(rb, 256);
    CHECK(std::all_of(back.begin(), back.end(), [](float v) { return v == 3.0f; }), "wmma store, __syncwarp, read back");
    sync = 0;
    OK(s.launch("wmma_store_readback", 1, 32, {&rb, &sync}));
    back = s.read<float>(rb, 256);
    CHECK(std::any_of(back.begin(), back.end(), [](float v) { return std::isnan(v); }),
          "reading other lanes' wmma stores without __syncwarp went unnoticed");
    expect_kernel_error(s, "wmma_misaligned", 1, 32, {&da, &dc}, 716);
    da = s.alloc(2 * a.size());
    dc = s.alloc(4 * 16 * 20);
    expect_kernel_error(s, "wmma_divergent", 1, 32, {&da, &dc}, 719);
}

static void test_capture(Session &s) {
    const int n = 100;
    CUdeviceptr x = s.alloc(4 * n);
    s.write(x, std::vector<float>(n, 0.0f));
    int count = n;
    std::vector<void *> params{&x, &count};
    CUstreamCaptureStatus status = -1;

    /* recorded, not executed; replayed twice */
    OK(cuStreamBeginCapture_v2(s.stream, 1));
    OK(cuStreamIsCapturing(s.stream, &status));
    CHECK(status == 1, "capture status %d", status);
    OK(s.launch("add_one", 4, 32, params));
    OK(s.launch("add_one", 4, 32, params));
    CUgraph g = nullptr;
    OK(cuStreamEndCapture(s.stream, &g));
    CHECK(s.read<float>(x, n)[0] == 0.0f, "a captured launch ran at capture time");
    CUgraphExec e = nullptr;
    OK(cuGraphInstantiateWithFlags(&e, g, 0));
    OK(cuGraphDestroy(g)); /* the executable graph does not need it */
    OK(cuGraphLaunch(e, s.stream));
    OK(cuGraphLaunch(e, s.stream));
    CHECK(s.read<float>(x, n)[n - 1] == 4.0f, "two replays of two launches: %g", s.read<float>(x, n)[n - 1]);

    /* kernel arguments are copied when captured */
    CUdeviceptr iv = s.alloc(4);
    int value = 5;
    OK(cuStreamBeginCapture_v2(s.stream, 1));
    OK(s.launch("set_value", 1, 1, {&iv, &value}));
    value = 7;
    OK(cuStreamEndCapture(s.stream, &g));
    CUgraphExec e2 = nullptr;
    OK(cuGraphInstantiateWithFlags(&e2, g, 0));
    OK(cuGraphLaunch(e2, s.stream));
    CHECK(s.read<int>(iv, 1)[0] == 5, "captured argument changed afterwards reached the replay");
    OK(cuGraphExecDestroy(e2));
    OK(cuGraphDestroy(g));

    /* allocating in a thread-local capture on its thread: refused, capture invalidated */
    OK(cuStreamBeginCapture_v2(s.stream, 1));
    OK(s.launch("add_one", 4, 32, params));
    CUdeviceptr p;
    EXPECT(cuMemAlloc_v2(&p, 64), 900);
    EXPECT(s.launch("add_one", 4, 32, params), 901);
    EXPECT(cuMemFree_v2(x), 900); /* still capturing (invalidated until ended): freeing is refused too */
    g = reinterpret_cast<CUgraph>(1);
    EXPECT(cuStreamEndCapture(s.stream, &g), 901);
    CHECK(g == nullptr, "an invalidated capture produced a graph");

    /* synchronising the capturing stream */
    OK(cuStreamBeginCapture_v2(s.stream, 1));
    EXPECT(cuStreamSynchronize(s.stream), 900);
    EXPECT(cuStreamEndCapture(s.stream, &g), 901);

    /* relaxed mode allows allocating; another thread may not end a thread-local capture */
    OK(cuStreamBeginCapture_v2(s.stream, 2));
    OK(cuMemAlloc_v2(&p, 64));
    OK(cuStreamEndCapture(s.stream, &g));
    OK(cuGraphDestroy(g));
    OK(cuStreamBeginCapture_v2(s.stream, 1));
    CUresult other = 0;
    std::thread t([&] {
        cuCtxSetCurrent(s.ctx);
        CUgraph og = nullptr;
        other = cuStreamEndCapture(s.stream, &og);
    });
    t.join();
    CHECK(other == 908, "ending a thread-local capture from another thread: %d", other);
    OK(cuStreamEndCapture(s.stream, &g));
    OK(cuGraphDestroy(g));

    /* a capture of copies from pageable memory is refused */
    std::vector<float> pageable(n, 1.0f);
    OK(cuStreamBeginCapture_v2(s.stream, 1));
    EXPECT(cuMemcpyHtoDAsync_v2(x, pageable.data(), 4 * n, s.stream), 900);
    EXPECT(cuStreamEndCapture(s.stream, &g), 901);

    /* replaying a graph whose buffer was freed: an illegal address, sticky */
    OK(cuMemFree_v2(x));
    CUresult r = cuGraphLaunch(e, s.stream);
    if (r == 0) {
        r = cuStreamSynchronize(s.stream);
    }
    CHECK(r == 700, "replaying a graph that uses a freed buffer: %d", r);
    s.reset();
}

static void test_streams(Session &s) {
    /* pinned source: an async copy reads it when it runs (at the latest, the next synchronisation) */
    CUdeviceptr x = s.alloc(16);
    void *pinned = nullptr;
    OK(cuMemHostAlloc(&pinned, 16, 0));
    float *h = static_cast<float *>(pinned);
    h[0] = 1.0f;
    OK(cuMemcpyHtoDAsync_v2(x, h, 4, s.stream));
    h[0] = 2.0f; /* a race on a GPU: which value arrives depends on timing */
    OK(cuStreamSynchronize(s.stream));
    const float got = s.read<float>(x, 1)[0];
    const bool deferred = std::getenv("FAKECUDA_DEFER") != nullptr && std::strcmp(std::getenv("FAKECUDA_DEFER"), "0") != 0;
    CHECK(got == (deferred ? 2.0f : 1.0f), "pinned copy delivered %g (deferred mode: %d)", got, deferred);
    /* memset bounds and alignment */
    EXPECT(cuMemsetD32Async(x, 0, 5, s.stream), 1);
    EXPECT(cuMemsetD32Async(x + 2, 0, 1, s.stream), 1);
    OK(cuMemsetD32Async(x, 0x3f800000u, 4, s.stream));
    CHECK(s.read<float>(x, 4)[3] == 1.0f, "memset");
    /* copies outside their buffers */
    std::vector<float> v(8);
    EXPECT(cuMemcpyDtoHAsync_v2(v.data(), x, 32, s.stream), 1);
    EXPECT(cuMemcpyHtoDAsync_v2(x + 8, v.data(), 12, s.stream), 1);
    /* freeing twice, or not at the start */
    EXPECT(cuMemFree_v2(x + 4), 1);
    OK(cuMemFree_v2(x));
    EXPECT(cuMemFree_v2(x), 1);
    OK(cuMemFreeHost(pinned));
    size_t free_bytes = 0, total = 0;
    OK(cuMemGetInfo_v2(&free_bytes, &total));
    CHECK(free_bytes <= total && total > 0, "cuMemGetInfo %zu of %zu", free_bytes, total);
}

static void test_cublas(Session &s) {
    cublasHandle_t h = nullptr;
    OK(cublasCreate_v2(&h));
    OK(cublasSetStream_v2(h, s.stream));
    CUdeviceptr ws = s.alloc(1 << 20);
    OK(cublasSetWorkspace_v2(h, reinterpret_cast<void *>(ws), 1 << 20));
    EXPECT(cublasSetWorkspace_v2(h, reinterpret_cast<void *>(ws + 16), 1024), 7);
    const int m = 5, n = 4, k = 3;
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            for (int type : {0, 14}) {
                /* column-major op(A) m x k, op(B) k x n, with padded leading dimensions */
                const int lda = (ta == 0 ? m : k) + 2, ldb = (tb == 0 ? k : n) + 1, ldc = m + 3;
                const int cols_a = ta == 0 ? k : m, cols_b = tb == 0 ? n : k;
                std::vector<float> A(static_cast<size_t>(lda) * cols_a), B(static_cast<size_t>(ldb) * cols_b);
                for (size_t i = 0; i < A.size(); i++) {
                    A[i] = from_bf16(bf16(static_cast<float>(i % 5) - 1.5f));
                }
                for (size_t i = 0; i < B.size(); i++) {
                    B[i] = from_bf16(bf16(static_cast<float>(i % 7) * 0.5f - 1.0f));
                }
                auto opa = [&](int i, int p) { return ta == 0 ? A[i + p * lda] : A[p + i * lda]; };
                auto opb = [&](int p, int j) { return tb == 0 ? B[p + j * ldb] : B[j + p * ldb]; };
                CUdeviceptr dA, dB;
                if (type == 0) {
                    dA = s.alloc(4 * A.size());
                    dB = s.alloc(4 * B.size());
                    s.write(dA, A);
                    s.write(dB, B);
                } else {
                    std::vector<std::uint16_t> A16(A.size()), B16(B.size());
                    for (size_t i = 0; i < A.size(); i++) A16[i] = bf16(A[i]);
                    for (size_t i = 0; i < B.size(); i++) B16[i] = bf16(B[i]);
                    dA = s.alloc(2 * A.size());
                    dB = s.alloc(2 * B.size());
                    s.write(dA, A16);
                    s.write(dB, B16);
                }
                std::vector<float> C(static_cast<size_t>(ldc) * n, NAN);
                CUdeviceptr dC = s.alloc(4 * C.size());
                s.write(dC, C);
                float alpha = 2.0f, beta = 0.0f;
                OK(cublasGemmEx(h, ta, tb, m, n, k, &alpha, reinterpret_cast<void *>(dA), type, lda,
                                reinterpret_cast<void *>(dB), type, ldb, &beta, reinterpret_cast<void *>(dC), 0, ldc, 68,
                                -1));
                std::vector<float> got = s.read<float>(dC, C.size());
                double worst = 0;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double e = 0;
                        for (int p = 0; p < k; p++) {
                            e += static_cast<double>(opa(i, p)) * opb(p, j);
                        }
                        worst = std::max(worst, std::fabs(2 * e - got[i + static_cast<size_t>(j) * ldc]));
                    }
                }
                CHECK(worst < 1e-5, "gemm transa %d transb %d type %d: max error %g (beta 0 must ignore NaN in C)", ta,
                      tb, type, worst);
                CHECK(std::isnan(got[m]), "gemm wrote C's padding rows");
            }
        }
    }
    /* argument errors cuBLAS reports */
    CUdeviceptr a = s.alloc(4 * 64), b = s.alloc(4 * 64), c = s.alloc(4 * 64);
    float one = 1.0f, zero = 0.0f;
    void *A = reinterpret_cast<void *>(a), *B = reinterpret_cast<void *>(b), *C = reinterpret_cast<void *>(c);
    EXPECT(cublasGemmEx(h, 1, 0, 4, 4, 4, &one, A, 0, 3, B, 0, 4, &zero, C, 0, 4, 68, -1), 7);  /* lda < k for T */
    EXPECT(cublasGemmEx(h, 0, 0, 4, 4, 4, &one, A, 0, 4, B, 0, 3, &zero, C, 0, 4, 68, -1), 7);  /* ldb < k for N */
    EXPECT(cublasGemmEx(h, 0, 0, 4, 4, 4, &one, A, 0, 4, B, 0, 4, &zero, C, 0, 3, 68, -1), 7);  /* ldc < m */
    EXPECT(cublasGemmEx(h, 0, 0, 4, 4, 4, &one, A, 14, 4, B, 0, 4, &zero, C, 0, 4, 68, -1), 15); /* mixed types */
    EXPECT(cublasGemmEx(h, 0, 0, 4, 4, 4, &one, A, 14, 4, B, 14, 4, &zero, C, 0, 4, 77, -1), 15); /* TF32 of bf16 */
    EXPECT(cublasGemmEx(h, 0, 0, 9, 9, 9, &one, A, 0, 9, B, 0, 9, &zero, C, 0, 9, 68, -1), 7);  /* 81 floats of 64 */
    /* TF32 rounds the inputs to 10 mantissa bits */
    s.write<float>(a, {1.0f + 1.0f / 4096});
    s.write<float>(b, {1.0f});
    OK(cublasGemmEx(h, 0, 0, 1, 1, 1, &one, A, 0, 1, B, 0, 1, &zero, C, 0, 1, 77, -1));
    CHECK(s.read<float>(c, 1)[0] == 1.0f, "TF32 product %.9g", s.read<float>(c, 1)[0]);
    OK(cublasGemmEx(h, 0, 0, 1, 1, 1, &one, A, 0, 1, B, 0, 1, &zero, C, 0, 1, 68, -1));
    CHECK(s.read<float>(c, 1)[0] == 1.0f + 1.0f / 4096, "FP32 product %.9g", s.read<float>(c, 1)[0]);
    /* captured like a kernel, alpha read at capture time */
    float alpha = 3.0f;
    s.write<float>(c, {0.0f});
    OK(cuStreamBeginCapture_v2(s.stream, 1));
    OK(cublasGemmEx(h, 0, 0, 1, 1, 1, &alpha, A, 0, 1, B, 0, 1, &one, C, 0, 1, 68, -1));
    alpha = 100.0f;
    CUgraph g = nullptr;
    OK(cuStreamEndCapture(s.stream, &g));
    CHECK(s.read<float>(c, 1)[0] == 0.0f, "a captured gemm ran at capture time");
    CUgraphExec e = nullptr;
    OK(cuGraphInstantiateWithFlags(&e, g, 0));
    OK(cuGraphLaunch(e, s.stream));
    OK(cuGraphLaunch(e, s.stream));
    const float twice = s.read<float>(c, 1)[0];
    CHECK(twice == 2 * 3.0f * (1.0f + 1.0f / 4096), "two replays of C += 3 A B: %.9g", twice);
    OK(cublasDestroy_v2(h));
    EXPECT(cublasSetStream_v2(h, s.stream), 1);
}

/* a kernel writing past its buffer's end hits the guard page: the process dies (on a GPU: 700) */
static void test_guard_page(Session &s) {
    std::fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        CUdeviceptr x = s.alloc(4 * 16);
        int n = 16;
        std::vector<void *> params{&x, &n};
        if (std::freopen("/dev/null", "w", stderr) == nullptr) {
            std::_Exit(2);
        }
        s.launch("write_past_end", 1, 1, params);
        cuStreamSynchronize(s.stream); /* deferred mode runs it here */
        std::_Exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "writing past a buffer did not fault (status %#x)", status);
}

int main() {
    test_driver_basics();
    Session s;
    s.open();
    test_modules(s);
    test_params(s);
    test_shared(s);
    test_shuffles(s);
    test_kernel_errors(s);
    test_wmma(s);
    test_capture(s);
    test_streams(s);
    test_cublas(s);
    test_guard_page(s);
    s.close();
    std::printf("fakecuda selftest: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
