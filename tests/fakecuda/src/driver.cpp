/*
 * driver.cpp: the fake CUDA driver API (libcuda.so.1) on the CPU.
 *
 * One device ("soundstorm4j fake CUDA (CPU)", compute capability 9.0 unless FAKECUDA_CC says
 * otherwise) with its primary context. Device memory is host memory, each allocation in its own
 * mapping between guard pages, 256-byte aligned, filled with 0xff bytes (NaN) when allocated;
 * freed memory is made inaccessible and its addresses are not handed out again, so a stale
 * pointer (in a kernel argument, a replayed graph, a cuBLAS call) is reported, not silently
 * reused. Streams execute their work when it is enqueued (FAKECUDA_DEFER=1: only at
 * synchronisation points, the latest moment a real GPU could), except while they capture: then
 * launches, memsets, copies, graph launches and cuBLAS products are recorded into a graph, kernel
 * arguments copied by value, and the driver calls a capture forbids fail with
 * CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and invalidate it. Kernels come from a kernel library
 * compiled with g++ (see runtime.cpp); cuModuleLoadData checks that it is given a fatbin with
 * code for the device and cuModuleGetFunction that the fatbin names the kernel.
 *
 * Every error is also printed on stderr with the reason ("fakecuda: ..."). Device-side errors
 * (a bad pointer in a launch, a kernel fault, a replayed graph touching freed memory) are sticky,
 * as on a GPU: every later call in the context fails with the same error until the primary
 * context is released by everyone.
 */
#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "internal.h"

/* ---------------------------------------------------------------- the driver API's types */

#include "fakecuda_driver_types.h"
#include "fakecuda_driver_api.h"

#define EXPORT extern "C" __attribute__((visibility("default")))
#define DECLARE(name, params) EXPORT CUresult name params;
FAKECUDA_DRIVER_API(DECLARE)
#undef DECLARE

using namespace fakecuda;

enum : int {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_ILLEGAL_STATE = 401,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_CONTEXT_IS_DESTROYED = 709,
    CUDA_ERROR_MISALIGNED_ADDRESS = 716,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801,
    CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900,
    CUDA_ERROR_STREAM_CAPTURE_INVALIDATED = 901,
    CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD = 908,
    CUDA_ERROR_UNKNOWN = 999,
};

struct ErrorName {
    int code;
    const char *name;
    const char *text;
};
static const ErrorName ERROR_NAMES[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {4, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {401, "CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the present state"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {600, "CUDA_ERROR_NOT_READY", "device not ready"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
    {709, "CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed"},
    {710, "CUDA_ERROR_ASSERT", "device-side assert triggered"},
    {716, "CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing"},
    {901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "operation failed due to a previous error during capture"},
    {902, "CUDA_ERROR_STREAM_CAPTURE_MERGE", "operation would result in a merge of separate capture sequences"},
    {903, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED", "capture was not ended in the same stream as it began"},
    {904, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED", "capturing stream has unjoined work"},
    {905, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION", "dependency created on uncaptured work in another stream"},
    {906, "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT", "operation would make the legacy stream depend on a capturing blocking stream"},
    {908, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", "attempt to terminate a thread-local capture sequence from another thread"},
    {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

static const char *error_name(int code) {
    for (const ErrorName &e : ERROR_NAMES) {
        if (e.code == code) {
            return e.name;
        }
    }
    return "CUDA_ERROR_?";
}

/* ---------------------------------------------------------------- state */

namespace {

constexpr std::size_t DEVICE_MEMORY = 16ull << 30;
constexpr std::size_t QUARANTINE_MAPPINGS = 16384; /* freed mappings kept inaccessible (then unmapped, oldest first) */

struct Allocation {
    std::uintptr_t base = 0;
    std::size_t size = 0;
    void *mapping = nullptr;
    std::size_t mapping_size = 0;
    bool host = false; /* cuMemHostAlloc (pinned host memory), else device memory */
    std::uint64_t id = 0;
};

enum CaptureStatus { CAPTURE_NONE = 0, CAPTURE_ACTIVE = 1, CAPTURE_INVALIDATED = 2 };

struct HostOp {
    std::string name;
    fakecuda_host_op_fn fn;
    void *payload;
    void (*release)(void *);
    ~HostOp() {
        if (release != nullptr) {
            release(payload);
        }
    }
};

struct Op {
    enum Kind { KERNEL, MEMSET32, COPY_H2D, COPY_D2H, HOST, GRAPH } kind;
    explicit Op(Kind k) : kind(k) {}
    /* KERNEL */
    CUfunction function = nullptr;
    dim3 grid, block;
    unsigned shared = 0;
    std::vector<unsigned char> args;
    /* MEMSET32 and copies */
    std::uintptr_t device = 0;
    unsigned value = 0;
    std::size_t bytes = 0;
    const void *src_host = nullptr;
    void *dst_host = nullptr;
    std::shared_ptr<std::vector<unsigned char>> snapshot; /* a pageable source, copied when enqueued */
    /* HOST */
    std::shared_ptr<HostOp> host;
    /* GRAPH */
    std::shared_ptr<const std::vector<Op>> graph;
};

} // namespace

struct CUctx_st {
    int refcount = 0;
    bool active = false;
    int sticky = 0;
    std::uint64_t generation = 0;
};

struct CUstream_st {
    CUcontext ctx = nullptr;
    unsigned flags = 0;
    bool live = true;
    std::uint64_t id = 0;
    int capture = CAPTURE_NONE;
    int capture_mode = 0;
    std::thread::id capture_thread;
    std::vector<Op> captured;
    std::deque<Op> pending;
};

struct CUmod_st {
    CUcontext ctx = nullptr;
    std::uint64_t generation = 0;
    bool loaded = true;
    std::uint64_t id = 0;
    bool image_names = false; /* the image names the kernels (then cuModuleGetFunction checks it does) */
    std::string image;        /* kept to look the names up */
    std::map<std::string, CUfunction> functions;
};

struct CUfunc_st {
    CUmodule module;
    const KernelInfo *info;
};

struct CUgraph_st {
    bool live = true;
    std::vector<Op> ops;
};

struct CUgraphExec_st {
    bool live = true;
    std::shared_ptr<const std::vector<Op>> ops;
};

namespace {

std::recursive_mutex g_mu;
bool g_initialized = false;
CUctx_st g_primary;
thread_local CUcontext t_current = nullptr;
std::map<std::uintptr_t, Allocation> g_live;
std::map<std::uintptr_t, Allocation> g_freed;
std::deque<std::uintptr_t> g_quarantine;
std::size_t g_device_bytes = 0;
std::uint64_t g_next_id = 1;
std::set<CUstream> g_streams;
std::set<CUgraph> g_graphs;
std::set<CUgraphExec> g_execs;
std::set<CUmodule> g_modules;
CUstream_st g_null_stream; /* the legacy default stream (handle 0) */

struct KernelLibrary {
    void *handle = nullptr;
    std::string path;
    std::map<std::string, const KernelInfo *> kernels;
};
KernelLibrary *g_library = nullptr;

struct KernelStats {
    std::uint64_t launches = 0;
    std::uint64_t blocks = 0;
    double seconds = 0;
};
std::map<std::string, KernelStats> g_stats;
std::uint64_t g_graph_launches = 0;
std::uint64_t g_captured_ops = 0;

struct Lock {
    std::lock_guard<std::recursive_mutex> guard{g_mu};
};

/* ---------------------------------------------------------------- errors */

CUresult fail(CUresult code, const char *api, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
CUresult fail(CUresult code, const char *api, const char *fmt, ...) {
    char buffer[3000];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    log("%s -> %s (%d): %s", api, error_name(code), code, buffer);
    return code;
}

/* A device-side error: sticky for the context, as on a GPU. */
CUresult device_error(CUresult code, const char *api, const std::string &message) {
    log("%s -> %s (%d): %s", api, error_name(code), code, message.c_str());
    if (g_primary.active && g_primary.sticky == 0) {
        g_primary.sticky = code;
        log("the context is now in error state %s: every later call fails with it until the primary context is "
            "released",
            error_name(code));
    }
    return code;
}

void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void trace(const char *fmt, ...) {
    if (!config().trace) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    vlog(fmt, args);
    va_end(args);
}

CUresult need_init(const char *api) {
    if (!g_initialized) {
        return fail(CUDA_ERROR_NOT_INITIALIZED, api, "cuInit has not been called");
    }
    return CUDA_SUCCESS;
}

/* The calling thread's context, checked (and its sticky error, if any). */
CUresult need_context(const char *api) {
    if (CUresult r = need_init(api)) {
        return r;
    }
    if (t_current == nullptr) {
        return fail(CUDA_ERROR_INVALID_CONTEXT, api, "no context is current on this thread (cuCtxSetCurrent)");
    }
    if (!t_current->active) {
        return fail(CUDA_ERROR_CONTEXT_IS_DESTROYED, api,
                    "the current context is the primary context, which was released by everyone (destroyed)");
    }
    if (t_current->sticky != 0) {
        return fail(t_current->sticky, api, "the context is in a sticky error state from an earlier device error");
    }
    return CUDA_SUCCESS;
}

/* ---------------------------------------------------------------- memory */

std::size_t page_size() {
    static const std::size_t p = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return p;
}

bool tight() {
    static const bool t = [] {
        const char *v = std::getenv("FAKECUDA_TIGHT");
        return v != nullptr && *v != 0 && std::strcmp(v, "0") != 0;
    }();
    return t;
}

/* Copies bytes from p if they are readable (no fault: the kernel checks), else false. */
bool safe_read(const void *p, void *out, std::size_t bytes) {
    iovec local{out, bytes};
    iovec remote{const_cast<void *>(p), bytes};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(bytes);
}

/* Host memory laid out as device memory: [guard page][data, ending at a page boundary][guard page]. */
bool map_allocation(std::size_t bytes, bool host, Allocation &a) {
    const std::size_t page = page_size();
    /* FAKECUDA_TIGHT=1: the data ends right at the guard page (4-byte alignment instead of 256) */
    const std::size_t rounded = tight() && !host ? (bytes + 3) / 4 * 4 : (bytes + 255) / 256 * 256;
    const std::size_t data_pages = (rounded + page - 1) / page * page;
    const std::size_t total = data_pages + 2 * page;
    void *m = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        return false;
    }
    char *c = static_cast<char *>(m);
    mprotect(c, page, PROT_NONE);
    mprotect(c + page + data_pages, page, PROT_NONE);
    a.mapping = m;
    a.mapping_size = total;
    a.base = reinterpret_cast<std::uintptr_t>(c + page + data_pages - rounded);
    a.size = bytes;
    a.host = host;
    a.id = g_next_id++;
    std::memset(reinterpret_cast<void *>(a.base), 0xff, rounded);
    return true;
}

void quarantine(const Allocation &a) {
    madvise(a.mapping, a.mapping_size, MADV_DONTNEED);
    mprotect(a.mapping, a.mapping_size, PROT_NONE);
    g_freed[a.base] = a;
    g_quarantine.push_back(a.base);
    while (g_quarantine.size() > QUARANTINE_MAPPINGS) {
        auto it = g_freed.find(g_quarantine.front());
        if (it != g_freed.end()) {
            munmap(it->second.mapping, it->second.mapping_size);
            g_freed.erase(it);
        }
        g_quarantine.pop_front();
    }
}

const Allocation *find_live(std::uintptr_t p) {
    auto it = g_live.upper_bound(p);
    if (it == g_live.begin()) {
        return nullptr;
    }
    --it;
    return p < it->first + it->second.size ? &it->second : nullptr;
}

const Allocation *find_freed(std::uintptr_t p) {
    auto it = g_freed.upper_bound(p);
    if (it == g_freed.begin()) {
        return nullptr;
    }
    --it;
    return p < it->first + std::max<std::size_t>(it->second.size, 1) ? &it->second : nullptr;
}

/* Why [p, p + bytes) is not inside one live device allocation, or "" if it is. */
std::string check_range(std::uintptr_t p, std::size_t bytes) {
    const Allocation *a = find_live(p);
    if (a == nullptr) {
        if (const Allocation *f = find_freed(p)) {
            return format("%#llx points into allocation #%llu [%#llx, +%zu bytes), which was freed",
                          (unsigned long long)p, (unsigned long long)f->id, (unsigned long long)f->base, f->size);
        }
        return format("%#llx is not inside any live device allocation", (unsigned long long)p);
    }
    if (a->host) {
        return format("%#llx is pinned host memory (cuMemHostAlloc #%llu), not device memory", (unsigned long long)p,
                      (unsigned long long)a->id);
    }
    if (bytes > a->size - (p - a->base)) {
        return format("[%#llx, +%zu bytes) runs %zu bytes past the end of allocation #%llu [%#llx, +%zu bytes)",
                      (unsigned long long)p, bytes, bytes - (a->size - (p - a->base)), (unsigned long long)a->id,
                      (unsigned long long)a->base, a->size);
    }
    return "";
}

/* Whether [p, p + bytes) is pinned host memory (cuMemHostAlloc); "" if pageable, else why it is wrong. */
bool is_pinned(const void *p, std::size_t bytes, std::string &why) {
    const Allocation *a = find_live(reinterpret_cast<std::uintptr_t>(p));
    if (a == nullptr) {
        if (find_freed(reinterpret_cast<std::uintptr_t>(p)) != nullptr) {
            why = format("host pointer %p points into freed driver memory", p);
        }
        return false;
    }
    if (!a->host) {
        why = format("host pointer %p is device memory (allocation #%llu)", p, (unsigned long long)a->id);
        return false;
    }
    if (bytes > a->size - (reinterpret_cast<std::uintptr_t>(p) - a->base)) {
        why = format("[%p, +%zu bytes) runs past the end of pinned allocation #%llu (%zu bytes)", p, bytes,
                     (unsigned long long)a->id, a->size);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- streams and capture */

CUstream resolve_stream(CUstream s) { return s == nullptr ? &g_null_stream : s; }

CUresult check_stream(CUstream s, const char *api) {
    if (s == nullptr) {
        return CUDA_SUCCESS;
    }
    if (g_streams.count(s) == 0 || !s->live) {
        return fail(CUDA_ERROR_INVALID_HANDLE, api, "stream %p is not a live stream", static_cast<void *>(s));
    }
    if (s->ctx != t_current) {
        return fail(CUDA_ERROR_INVALID_HANDLE, api, "stream %p belongs to another context", static_cast<void *>(s));
    }
    return CUDA_SUCCESS;
}

/*
 * A call that a capture may forbid (an allocation, a free, a synchronous copy, a synchronisation):
 * forbidden while this thread captures (THREAD_LOCAL or GLOBAL mode) or any thread captures in
 * GLOBAL mode. The call then fails and those captures are invalidated, as CUDA does.
 */
CUresult unsafe_during_capture(const char *api) {
    bool forbidden = false;
    for (CUstream s : g_streams) {
        if (s->live && s->capture != CAPTURE_NONE &&
            (s->capture_mode == 0 || (s->capture_mode == 1 && s->capture_thread == std::this_thread::get_id()))) {
            s->capture = CAPTURE_INVALIDATED; /* an invalidated capture still forbids until it is ended */
            forbidden = true;
        }
    }
    if (forbidden) {
        return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, api,
                    "called while a stream capture forbids it (the capture is now invalidated)");
    }
    return CUDA_SUCCESS;
}

void invalidate_capture(CUstream s) {
    if (s->capture == CAPTURE_ACTIVE) {
        s->capture = CAPTURE_INVALIDATED;
    }
}

/* "const char* fakecuda::type_name() [with T = float*]" -> "float*" */
std::string type_of(const ParamInfo &p) {
    std::string t = p.type != nullptr ? p.type : "?";
    std::size_t at = t.find("T = ");
    if (at == std::string::npos) {
        return t;
    }
    t = t.substr(at + 4);
    std::size_t end = t.find_first_of(";]");
    return end == std::string::npos ? t : t.substr(0, end);
}

CUresult execute(const Op &op, const char *api);

CUresult execute_kernel(const Op &op, const char *api) {
    CUfunction f = op.function;
    if (!f->module->loaded) {
        return device_error(CUDA_ERROR_INVALID_HANDLE, api,
                            format("kernel %s: its module was unloaded", f->info->name));
    }
    const KernelInfo *info = f->info;
    for (int i = 0; i < info->nparams; i++) {
        const ParamInfo &p = info->params[i];
        if (p.kind != PARAM_POINTER) {
            continue;
        }
        std::uintptr_t v;
        std::memcpy(&v, op.args.data() + p.offset, sizeof v);
        if (v == 0) {
            continue;
        }
        std::string why = check_range(v, 1);
        if (why.empty() && v % p.pointee_align != 0) {
            why = format("%#llx is not aligned to %zu bytes", (unsigned long long)v, p.pointee_align);
        }
        if (!why.empty()) {
            return device_error(CUDA_ERROR_ILLEGAL_ADDRESS, api,
                                format("kernel %s, parameter %d (%s): %s", info->name, i, type_of(p).c_str(), why.c_str()));
        }
    }
    LaunchSpec spec{info, op.grid, op.block, op.shared, op.args.data()};
    const auto start = std::chrono::steady_clock::now();
    LaunchResult r = run_grid(spec);
    if (config().stats) {
        KernelStats &s = g_stats[info->name];
        s.launches++;
        s.blocks += static_cast<std::uint64_t>(op.grid.x) * op.grid.y * op.grid.z;
        s.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    if (r.code != 0) {
        return device_error(r.code, api, r.message);
    }
    return CUDA_SUCCESS;
}

CUresult execute(const Op &op, const char *api) {
    switch (op.kind) {
    case Op::KERNEL:
        return execute_kernel(op, api);
    case Op::MEMSET32: {
        std::string why = check_range(op.device, op.bytes);
        if (!why.empty()) {
            return device_error(CUDA_ERROR_ILLEGAL_ADDRESS, api, "memset: " + why);
        }
        unsigned *d = reinterpret_cast<unsigned *>(op.device);
        std::fill(d, d + op.bytes / 4, op.value);
        return CUDA_SUCCESS;
    }
    case Op::COPY_H2D: {
        std::string why = check_range(op.device, op.bytes);
        if (!why.empty()) {
            return device_error(CUDA_ERROR_ILLEGAL_ADDRESS, api, "host-to-device copy: " + why);
        }
        const void *src = op.snapshot ? op.snapshot->data() : op.src_host;
        if (!op.snapshot && find_live(reinterpret_cast<std::uintptr_t>(op.src_host)) == nullptr) {
            return device_error(CUDA_ERROR_ILLEGAL_ADDRESS, api, "host-to-device copy: its pinned source was freed");
        }
        std::memcpy(reinterpret_cast<void *>(op.device), src, op.bytes);
        return CUDA_SUCCESS;
    }
    case Op::COPY_D2H: {
        std::string why = check_range(op.device, op.bytes);
        if (!why.empty()) {
            return device_error(CUDA_ERROR_ILLEGAL_ADDRESS, api, "device-to-host copy: " + why);
        }
        if (find_live(reinterpret_cast<std::uintptr_t>(op.dst_host)) == nullptr) {
            return device_error(CUDA_ERROR_ILLEGAL_ADDRESS, api, "device-to-host copy: its pinned target was freed");
        }
        std::memcpy(op.dst_host, reinterpret_cast<const void *>(op.device), op.bytes);
        return CUDA_SUCCESS;
    }
    case Op::HOST: {
        char why[2048] = "";
        int r = op.host->fn(op.host->payload, why, sizeof why);
        if (r != 0) {
            return device_error(r, api, op.host->name + ": " + why);
        }
        return CUDA_SUCCESS;
    }
    case Op::GRAPH:
        for (const Op &child : *op.graph) {
            if (CUresult r = execute(child, api)) {
                return r;
            }
        }
        return CUDA_SUCCESS;
    }
    return CUDA_ERROR_UNKNOWN;
}

/* Runs a stream's deferred work. */
CUresult drain(CUstream s, const char *api) {
    while (!s->pending.empty()) {
        Op op = std::move(s->pending.front());
        s->pending.pop_front();
        if (t_current != nullptr && t_current->sticky != 0) {
            continue; /* work queued behind a device error never runs */
        }
        execute(op, api);
    }
    return t_current != nullptr ? t_current->sticky : CUDA_SUCCESS;
}

CUresult drain_all(const char *api) {
    drain(&g_null_stream, api);
    for (CUstream s : g_streams) {
        if (s->live) {
            drain(s, api);
        }
    }
    return t_current != nullptr ? t_current->sticky : CUDA_SUCCESS;
}

/* Enqueues op on stream s: recorded while s captures, else run now (or deferred). */
CUresult submit(CUstream s, Op &&op, const char *api) {
    if (s->capture == CAPTURE_ACTIVE) {
        s->captured.push_back(std::move(op));
        g_captured_ops++;
        return CUDA_SUCCESS;
    }
    if (s->capture == CAPTURE_INVALIDATED) {
        return fail(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, api, "the stream's capture was invalidated earlier");
    }
    if (config().defer) {
        s->pending.push_back(std::move(op));
        return CUDA_SUCCESS;
    }
    return execute(op, api);
}

/* ---------------------------------------------------------------- modules */

std::string library_dir() {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&cuInit), &info) != 0 && info.dli_fname != nullptr) {
        std::string path = info.dli_fname;
        std::size_t slash = path.rfind('/');
        return slash == std::string::npos ? "." : path.substr(0, slash);
    }
    return ".";
}

CUresult load_library(const char *api) {
    if (g_library != nullptr) {
        return CUDA_SUCCESS;
    }
    std::string path = config().kernels.empty() ? library_dir() + "/libfakecuda_kernels.so" : config().kernels;
    void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
        return fail(CUDA_ERROR_INVALID_IMAGE, api, "the kernel library %s cannot be loaded: %s", path.c_str(), dlerror());
    }
    auto table = reinterpret_cast<decltype(&fakecuda_kernel_table)>(dlsym(h, "fakecuda_kernel_table"));
    if (table == nullptr) {
        return fail(CUDA_ERROR_INVALID_IMAGE, api, "%s has no fakecuda_kernel_table", path.c_str());
    }
    auto *lib = new KernelLibrary();
    lib->handle = h;
    lib->path = path;
    int count = 0;
    const KernelInfo *const *kernels = table(&count);
    for (int i = 0; i < count; i++) {
        if (kernels[i]->abi_version != ABI_VERSION) {
            return fail(CUDA_ERROR_INVALID_IMAGE, api, "%s was built for another fakecuda ABI (%d, driver %d): rebuild",
                        path.c_str(), kernels[i]->abi_version, ABI_VERSION);
        }
        lib->kernels[kernels[i]->name] = kernels[i];
    }
    g_library = lib;
    return CUDA_SUCCESS;
}

int device_cc() {
    static const int cc = [] {
        const char *v = std::getenv("FAKECUDA_CC");
        int c = v != nullptr ? std::atoi(v) : 90;
        return c >= 30 && c <= 200 ? c : 90;
    }();
    return cc;
}

/*
 * Checks a fatbin (magic 0xba55ed50, then entries of kind 1 = PTX or 2 = ELF/SASS, each with its
 * target architecture) holds code this device runs: SASS for its exact architecture or PTX for
 * one at most its own. Layout as nvcc 12/13 writes it.
 */
CUresult check_fatbin(const unsigned char *image, std::string &text, const char *api) {
    std::uint32_t magic;
    std::memcpy(&magic, image, 4);
    if (magic != 0xba55ed50u) {
        return fail(CUDA_ERROR_INVALID_IMAGE, api,
                    "the image does not start with the fatbin magic 0xba55ed50 (it starts with %#x); the fake driver "
                    "loads fatbins only",
                    magic);
    }
    std::uint16_t header_size;
    std::uint64_t body_size;
    std::memcpy(&header_size, image + 6, 2);
    std::memcpy(&body_size, image + 8, 8);
    if (header_size < 16 || body_size > (1ull << 34)) {
        return fail(CUDA_ERROR_INVALID_IMAGE, api, "implausible fatbin header (header %u, body %llu bytes)",
                    (unsigned)header_size, (unsigned long long)body_size);
    }
    const int cc = device_cc();
    bool runnable = false;
    std::string found;
    std::size_t at = header_size;
    const std::size_t end = header_size + body_size;
    while (at + 32 <= end) {
        std::uint16_t kind;
        std::uint32_t entry_header;
        std::uint64_t payload;
        std::uint32_t arch;
        std::memcpy(&kind, image + at, 2);
        std::memcpy(&entry_header, image + at + 4, 4);
        std::memcpy(&payload, image + at + 8, 8);
        std::memcpy(&arch, image + at + 28, 4);
        if (entry_header < 32 || entry_header > 4096 || payload > body_size) {
            return fail(CUDA_ERROR_INVALID_IMAGE, api, "implausible fatbin entry at offset %zu", at);
        }
        found += format("%s%s_%u", found.empty() ? "" : ", ", kind == 1 ? "compute" : "sm", arch);
        if ((kind == 2 && static_cast<int>(arch) == cc) || (kind == 1 && static_cast<int>(arch) <= cc)) {
            runnable = true;
        }
        at += entry_header + payload;
    }
    if (!runnable) {
        return fail(CUDA_ERROR_NO_BINARY_FOR_GPU, api,
                    "the fatbin has no code this device (sm_%d) runs: it has %s", cc, found.c_str());
    }
    text.assign(reinterpret_cast<const char *>(image), end);
    return CUDA_SUCCESS;
}

void destroy_context() {
    std::size_t leaked = 0;
    std::size_t leaked_bytes = 0;
    for (auto it = g_live.begin(); it != g_live.end();) {
        leaked++;
        leaked_bytes += it->second.size;
        if (!it->second.host) {
            g_device_bytes -= it->second.size;
        }
        quarantine(it->second);
        it = g_live.erase(it);
    }
    if (leaked > 0) {
        log("primary context destroyed with %zu allocation(s) (%zu bytes) never freed: freed now", leaked, leaked_bytes);
    }
    for (CUstream s : g_streams) {
        s->live = false;
        s->pending.clear();
        s->captured.clear();
    }
    g_null_stream.pending.clear();
    for (CUmodule m : g_modules) {
        m->loaded = false;
    }
    for (CUgraph g : g_graphs) {
        g->live = false;
        g->ops.clear();
    }
    for (CUgraphExec e : g_execs) {
        e->live = false;
        e->ops.reset();
    }
    g_primary.active = false;
    g_primary.sticky = 0;
}

} // namespace

/* ================================================================ initialisation, device, context */

EXPORT CUresult cuInit(unsigned int Flags) {
    Lock lock;
    trace("cuInit(%u)", Flags);
    if (Flags != 0) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuInit", "flags must be 0, got %u", Flags);
    }
    if (!g_initialized) {
        g_initialized = true;
        log("CPU stand-in for the CUDA driver: 1 device (sm_%d), %d worker thread(s)%s%s", device_cc(),
            config().threads, config().defer ? ", deferred stream execution" : "",
            config().schedule == 1 ? ", reverse thread order" : config().schedule == 2 ? ", random thread order" : "");
        if (config().stats) {
            std::atexit([] {
                std::lock_guard<std::recursive_mutex> guard(g_mu);
                log("stats: %llu graph launch(es), %llu op(s) captured", (unsigned long long)g_graph_launches,
                    (unsigned long long)g_captured_ops);
                for (auto &s : g_stats) {
                    log("stats: %-24s %8llu launches %10llu blocks %9.3f s", s.first.c_str(),
                        (unsigned long long)s.second.launches, (unsigned long long)s.second.blocks, s.second.seconds);
                }
            });
        }
    }
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int *driverVersion) {
    if (driverVersion == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDriverGetVersion", "null pointer");
    }
    *driverVersion = 13000;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetCount(int *count) {
    Lock lock;
    if (CUresult r = need_init("cuDeviceGetCount")) {
        return r;
    }
    if (count == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetCount", "null pointer");
    }
    *count = 1;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
    Lock lock;
    if (CUresult r = need_init("cuDeviceGet")) {
        return r;
    }
    if (device == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceGet", "null pointer");
    }
    if (ordinal != 0) {
        return fail(CUDA_ERROR_INVALID_DEVICE, "cuDeviceGet", "ordinal %d: the fake has one device, 0", ordinal);
    }
    *device = 0;
    return CUDA_SUCCESS;
}

static CUresult check_device(CUdevice dev, const char *api) {
    if (CUresult r = need_init(api)) {
        return r;
    }
    if (dev != 0) {
        return fail(CUDA_ERROR_INVALID_DEVICE, api, "device %d does not exist", dev);
    }
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev) {
    Lock lock;
    if (CUresult r = check_device(dev, "cuDeviceGetName")) {
        return r;
    }
    if (name == nullptr || len <= 0) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetName", "null name or length %d", len);
    }
    std::snprintf(name, static_cast<std::size_t>(len), "%s", "soundstorm4j fake CUDA (CPU)");
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev) {
    Lock lock;
    if (CUresult r = check_device(dev, "cuDeviceGetAttribute")) {
        return r;
    }
    if (pi == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute", "null pointer");
    }
    int v = 0;
    switch (attrib) {
    case 1: v = 1024; break;           /* MAX_THREADS_PER_BLOCK */
    case 2: case 3: v = 1024; break;   /* MAX_BLOCK_DIM_X, _Y */
    case 4: v = 64; break;             /* MAX_BLOCK_DIM_Z */
    case 5: v = 2147483647; break;     /* MAX_GRID_DIM_X */
    case 6: case 7: v = 65535; break;  /* MAX_GRID_DIM_Y, _Z */
    case 8: v = 48 * 1024; break;      /* MAX_SHARED_MEMORY_PER_BLOCK */
    case 9: v = 64 * 1024; break;      /* TOTAL_CONSTANT_MEMORY */
    case 10: v = 32; break;            /* WARP_SIZE */
    case 12: v = 65536; break;         /* MAX_REGISTERS_PER_BLOCK */
    case 13: v = 1000000; break;       /* CLOCK_RATE (kHz) */
    case 14: v = 512; break;           /* TEXTURE_ALIGNMENT */
    case 16: v = config().threads; break; /* MULTIPROCESSOR_COUNT: the worker threads */
    case 19: v = 1; break;             /* CAN_MAP_HOST_MEMORY */
    case 31: v = 1; break;             /* CONCURRENT_KERNELS */
    case 39: v = 2048; break;          /* MAX_THREADS_PER_MULTIPROCESSOR */
    case 41: v = 1; break;             /* UNIFIED_ADDRESSING */
    case 75: v = device_cc() / 10; break; /* COMPUTE_CAPABILITY_MAJOR */
    case 76: v = device_cc() % 10; break; /* COMPUTE_CAPABILITY_MINOR */
    case 81: v = 228 * 1024; break;    /* MAX_SHARED_MEMORY_PER_MULTIPROCESSOR */
    case 97: v = 227 * 1024; break;    /* MAX_SHARED_MEMORY_PER_BLOCK_OPTIN */
    default:
        if (attrib <= 0 || attrib > 200) {
            return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute", "unknown attribute %d", attrib);
        }
        v = 0;
    }
    *pi = v;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev) {
    Lock lock;
    if (CUresult r = check_device(dev, "cuDeviceTotalMem")) {
        return r;
    }
    if (bytes == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDeviceTotalMem", "null pointer");
    }
    *bytes = DEVICE_MEMORY;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) {
    Lock lock;
    trace("cuDevicePrimaryCtxRetain(dev %d) refcount %d", dev, g_primary.refcount);
    if (CUresult r = check_device(dev, "cuDevicePrimaryCtxRetain")) {
        return r;
    }
    if (pctx == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDevicePrimaryCtxRetain", "null pointer");
    }
    if (g_primary.refcount++ == 0) {
        g_primary.active = true;
        g_primary.sticky = 0;
        g_primary.generation++;
    }
    *pctx = &g_primary;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
    Lock lock;
    trace("cuDevicePrimaryCtxRelease(dev %d) refcount %d", dev, g_primary.refcount);
    if (CUresult r = check_device(dev, "cuDevicePrimaryCtxRelease")) {
        return r;
    }
    if (g_primary.refcount <= 0) {
        return fail(CUDA_ERROR_INVALID_CONTEXT, "cuDevicePrimaryCtxRelease", "the primary context is not retained");
    }
    if (--g_primary.refcount == 0) {
        destroy_context();
    }
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxGetState(CUdevice dev, unsigned int *flags, int *active) {
    Lock lock;
    if (CUresult r = check_device(dev, "cuDevicePrimaryCtxGetState")) {
        return r;
    }
    if (flags == nullptr || active == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuDevicePrimaryCtxGetState", "null pointer");
    }
    *flags = 0;
    *active = g_primary.active ? 1 : 0;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSetCurrent(CUcontext ctx) {
    Lock lock;
    trace("cuCtxSetCurrent(%p)", static_cast<void *>(ctx));
    if (CUresult r = need_init("cuCtxSetCurrent")) {
        return r;
    }
    if (ctx != nullptr && ctx != &g_primary) {
        return fail(CUDA_ERROR_INVALID_CONTEXT, "cuCtxSetCurrent", "%p is not a context", static_cast<void *>(ctx));
    }
    if (ctx != nullptr && !ctx->active) {
        return fail(CUDA_ERROR_CONTEXT_IS_DESTROYED, "cuCtxSetCurrent",
                    "the primary context is not retained by anyone (destroyed)");
    }
    t_current = ctx;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetCurrent(CUcontext *pctx) {
    Lock lock;
    if (CUresult r = need_init("cuCtxGetCurrent")) {
        return r;
    }
    if (pctx == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuCtxGetCurrent", "null pointer");
    }
    *pctx = t_current;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxGetDevice(CUdevice *device) {
    Lock lock;
    if (CUresult r = need_context("cuCtxGetDevice")) {
        return r;
    }
    if (device == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuCtxGetDevice", "null pointer");
    }
    *device = 0;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSynchronize(void) {
    Lock lock;
    if (CUresult r = need_context("cuCtxSynchronize")) {
        return r;
    }
    if (CUresult r = unsafe_during_capture("cuCtxSynchronize")) {
        return r;
    }
    return drain_all("cuCtxSynchronize");
}

EXPORT CUresult cuGetErrorName(CUresult error, const char **pStr) {
    if (pStr == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (const ErrorName &e : ERROR_NAMES) {
        if (e.code == error) {
            *pStr = e.name;
            return CUDA_SUCCESS;
        }
    }
    *pStr = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuGetErrorString(CUresult error, const char **pStr) {
    if (pStr == nullptr) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (const ErrorName &e : ERROR_NAMES) {
        if (e.code == error) {
            *pStr = e.text;
            return CUDA_SUCCESS;
        }
    }
    *pStr = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
}

/* ================================================================ streams */

EXPORT CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags) {
    Lock lock;
    if (CUresult r = need_context("cuStreamCreate")) {
        return r;
    }
    if (phStream == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamCreate", "null pointer");
    }
    if (Flags > 1) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamCreate", "flags %u (CU_STREAM_DEFAULT 0 or NON_BLOCKING 1)", Flags);
    }
    CUstream s = new CUstream_st();
    s->ctx = t_current;
    s->flags = Flags;
    s->id = g_next_id++;
    g_streams.insert(s);
    *phStream = s;
    trace("cuStreamCreate -> %p", static_cast<void *>(s));
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamDestroy_v2(CUstream hStream) {
    Lock lock;
    trace("cuStreamDestroy(%p)", static_cast<void *>(hStream));
    if (CUresult r = need_context("cuStreamDestroy")) {
        return r;
    }
    if (hStream == nullptr) {
        return fail(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy", "the legacy default stream cannot be destroyed");
    }
    if (CUresult r = check_stream(hStream, "cuStreamDestroy")) {
        return r;
    }
    if (hStream->capture != CAPTURE_NONE) {
        return fail(CUDA_ERROR_ILLEGAL_STATE, "cuStreamDestroy", "the stream is capturing");
    }
    drain(hStream, "cuStreamDestroy");
    hStream->live = false;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamSynchronize(CUstream hStream) {
    Lock lock;
    trace("cuStreamSynchronize(%p)", static_cast<void *>(hStream));
    if (CUresult r = need_context("cuStreamSynchronize")) {
        return r;
    }
    if (CUresult r = check_stream(hStream, "cuStreamSynchronize")) {
        return r;
    }
    CUstream s = resolve_stream(hStream);
    if (s->capture != CAPTURE_NONE) {
        invalidate_capture(s);
        return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamSynchronize",
                    "the stream is capturing (the capture is now invalidated)");
    }
    return drain(s, "cuStreamSynchronize");
}

EXPORT CUresult cuStreamQuery(CUstream hStream) {
    Lock lock;
    if (CUresult r = need_context("cuStreamQuery")) {
        return r;
    }
    if (CUresult r = check_stream(hStream, "cuStreamQuery")) {
        return r;
    }
    CUstream s = resolve_stream(hStream);
    if (s->capture != CAPTURE_NONE) {
        invalidate_capture(s);
        return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamQuery",
                    "the stream is capturing (the capture is now invalidated)");
    }
    return s->pending.empty() ? CUDA_SUCCESS : CUDA_ERROR_NOT_READY;
}

EXPORT CUresult cuStreamBeginCapture_v2(CUstream hStream, CUstreamCaptureMode mode) {
    Lock lock;
    trace("cuStreamBeginCapture(%p, mode %d)", static_cast<void *>(hStream), mode);
    if (CUresult r = need_context("cuStreamBeginCapture")) {
        return r;
    }
    if (hStream == nullptr) {
        return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamBeginCapture",
                    "the legacy default stream cannot be captured");
    }
    if (CUresult r = check_stream(hStream, "cuStreamBeginCapture")) {
        return r;
    }
    if (mode < 0 || mode > 2) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamBeginCapture", "mode %d (GLOBAL 0, THREAD_LOCAL 1, RELAXED 2)", mode);
    }
    if (hStream->capture != CAPTURE_NONE) {
        return fail(CUDA_ERROR_ILLEGAL_STATE, "cuStreamBeginCapture", "the stream is already capturing");
    }
    hStream->capture = CAPTURE_ACTIVE;
    hStream->capture_mode = mode;
    hStream->capture_thread = std::this_thread::get_id();
    hStream->captured.clear();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamEndCapture(CUstream hStream, CUgraph *phGraph) {
    Lock lock;
    trace("cuStreamEndCapture(%p)", static_cast<void *>(hStream));
    if (CUresult r = need_context("cuStreamEndCapture")) {
        return r;
    }
    if (phGraph == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamEndCapture", "null pointer");
    }
    if (CUresult r = check_stream(hStream, "cuStreamEndCapture")) {
        return r;
    }
    CUstream s = resolve_stream(hStream);
    if (s->capture == CAPTURE_NONE) {
        return fail(CUDA_ERROR_ILLEGAL_STATE, "cuStreamEndCapture", "the stream is not capturing");
    }
    if (s->capture_mode != 2 && s->capture_thread != std::this_thread::get_id()) {
        return fail(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "cuStreamEndCapture",
                    "the capture began on another thread (mode %d)", s->capture_mode);
    }
    const bool invalidated = s->capture == CAPTURE_INVALIDATED;
    s->capture = CAPTURE_NONE;
    std::vector<Op> ops = std::move(s->captured);
    s->captured.clear();
    if (invalidated) {
        *phGraph = nullptr;
        return fail(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "cuStreamEndCapture",
                    "the capture was invalidated by a forbidden call (no graph)");
    }
    CUgraph g = new CUgraph_st();
    g->ops = std::move(ops);
    g_graphs.insert(g);
    *phGraph = g;
    trace("cuStreamEndCapture -> graph %p with %zu op(s)", static_cast<void *>(g), g->ops.size());
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamIsCapturing(CUstream hStream, CUstreamCaptureStatus *captureStatus) {
    Lock lock;
    if (CUresult r = need_context("cuStreamIsCapturing")) {
        return r;
    }
    if (captureStatus == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuStreamIsCapturing", "null pointer");
    }
    if (CUresult r = check_stream(hStream, "cuStreamIsCapturing")) {
        return r;
    }
    *captureStatus = resolve_stream(hStream)->capture;
    return CUDA_SUCCESS;
}

/* ================================================================ modules */

EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image) {
    Lock lock;
    trace("cuModuleLoadData(%p)", image);
    if (CUresult r = need_context("cuModuleLoadData")) {
        return r;
    }
    if (module == nullptr || image == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuModuleLoadData", "null pointer");
    }
    std::string text;
    if (CUresult r = check_fatbin(static_cast<const unsigned char *>(image), text, "cuModuleLoadData")) {
        return r;
    }
    if (CUresult r = load_library("cuModuleLoadData")) {
        return r;
    }
    CUmodule m = new CUmod_st();
    m->ctx = t_current;
    m->generation = t_current->generation;
    m->id = g_next_id++;
    for (auto &k : g_library->kernels) {
        if (text.find(k.first + '\0') != std::string::npos) {
            m->image_names = true;
            break;
        }
    }
    if (!m->image_names) {
        log("cuModuleLoadData: the fatbin names none of the %zu kernels of %s (compressed?): not cross-checking names",
            g_library->kernels.size(), g_library->path.c_str());
    }
    m->image = std::move(text);
    g_modules.insert(m);
    *module = m;
    return CUDA_SUCCESS;
}

static CUresult check_module(CUmodule m, const char *api) {
    if (m == nullptr || g_modules.count(m) == 0) {
        return fail(CUDA_ERROR_INVALID_HANDLE, api, "%p is not a module", static_cast<void *>(m));
    }
    if (!m->loaded) {
        return fail(CUDA_ERROR_INVALID_HANDLE, api, "module %p was unloaded", static_cast<void *>(m));
    }
    return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) {
    Lock lock;
    trace("cuModuleGetFunction(%p, %s)", static_cast<void *>(hmod), name ? name : "(null)");
    if (CUresult r = need_context("cuModuleGetFunction")) {
        return r;
    }
    if (hfunc == nullptr || name == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuModuleGetFunction", "null pointer");
    }
    if (CUresult r = check_module(hmod, "cuModuleGetFunction")) {
        return r;
    }
    auto known = hmod->functions.find(name);
    if (known != hmod->functions.end()) {
        *hfunc = known->second;
        return CUDA_SUCCESS;
    }
    auto k = g_library->kernels.find(name);
    if (k == g_library->kernels.end()) {
        return fail(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction", "no kernel named '%s' in %s", name,
                    g_library->path.c_str());
    }
    if (hmod->image_names && hmod->image.find(std::string(name) + '\0') == std::string::npos) {
        return fail(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction",
                    "kernel '%s' is compiled for the fake but the fatbin given to cuModuleLoadData does not name it "
                    "(a stale fatbin?)",
                    name);
    }
    CUfunction f = new CUfunc_st{hmod, k->second};
    hmod->functions[name] = f;
    *hfunc = f;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleUnload(CUmodule hmod) {
    Lock lock;
    trace("cuModuleUnload(%p)", static_cast<void *>(hmod));
    if (CUresult r = need_context("cuModuleUnload")) {
        return r;
    }
    if (CUresult r = check_module(hmod, "cuModuleUnload")) {
        return r;
    }
    if (CUresult r = unsafe_during_capture("cuModuleUnload")) {
        return r;
    }
    drain_all("cuModuleUnload");
    hmod->loaded = false;
    return CUDA_SUCCESS;
}

/* ================================================================ memory */

static CUresult allocate(void **out, std::size_t bytes, bool host, const char *api) {
    if (bytes == 0) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "0 bytes requested");
    }
    if (!host && bytes > DEVICE_MEMORY - g_device_bytes) {
        return fail(CUDA_ERROR_OUT_OF_MEMORY, api, "%zu bytes requested, %zu of %zu in use", bytes, g_device_bytes,
                    DEVICE_MEMORY);
    }
    Allocation a;
    if (!map_allocation(bytes, host, a)) {
        return fail(CUDA_ERROR_OUT_OF_MEMORY, api, "mmap of %zu bytes failed", bytes);
    }
    g_live[a.base] = a;
    if (!host) {
        g_device_bytes += bytes;
    }
    *out = reinterpret_cast<void *>(a.base);
    trace("%s(%zu) -> #%llu %#llx", api, bytes, (unsigned long long)a.id, (unsigned long long)a.base);
    return CUDA_SUCCESS;
}

static CUresult release(std::uintptr_t p, bool host, const char *api) {
    auto it = g_live.find(p);
    if (it == g_live.end() || it->second.host != host) {
        const Allocation *inside = find_live(p);
        const Allocation *freed = find_freed(p);
        return fail(CUDA_ERROR_INVALID_VALUE, api, "%#llx is not the start of a live %s allocation%s",
                    (unsigned long long)p, host ? "pinned host" : "device",
                    inside != nullptr ? " (it points inside one)"
                    : freed != nullptr ? " (it was freed already)"
                                       : "");
    }
    trace("%s(#%llu %#llx, %zu bytes)", api, (unsigned long long)it->second.id, (unsigned long long)p, it->second.size);
    if (!host) {
        g_device_bytes -= it->second.size;
    }
    quarantine(it->second);
    g_live.erase(it);
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) {
    Lock lock;
    if (CUresult r = need_context("cuMemAlloc")) {
        return r;
    }
    if (dptr == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc", "null pointer");
    }
    if (CUresult r = unsafe_during_capture("cuMemAlloc")) {
        return r;
    }
    void *p = nullptr;
    CUresult r = allocate(&p, bytesize, false, "cuMemAlloc");
    if (r == CUDA_SUCCESS) {
        *dptr = reinterpret_cast<CUdeviceptr>(p);
    }
    return r;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr) {
    Lock lock;
    if (CUresult r = need_context("cuMemFree")) {
        return r;
    }
    if (CUresult r = unsafe_during_capture("cuMemFree")) {
        return r;
    }
    drain_all("cuMemFree"); /* cuMemFree waits for the device */
    return release(static_cast<std::uintptr_t>(dptr), false, "cuMemFree");
}

EXPORT CUresult cuMemAllocHost_v2(void **pp, size_t bytesize) {
    Lock lock;
    if (CUresult r = need_context("cuMemAllocHost")) {
        return r;
    }
    if (pp == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuMemAllocHost", "null pointer");
    }
    if (CUresult r = unsafe_during_capture("cuMemAllocHost")) {
        return r;
    }
    return allocate(pp, bytesize, true, "cuMemAllocHost");
}

EXPORT CUresult cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags) {
    Lock lock;
    if (CUresult r = need_context("cuMemHostAlloc")) {
        return r;
    }
    if (pp == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuMemHostAlloc", "null pointer");
    }
    if (Flags & ~7u) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuMemHostAlloc", "flags %#x (PORTABLE 1, DEVICEMAP 2, WRITECOMBINED 4)",
                    Flags);
    }
    if (CUresult r = unsafe_during_capture("cuMemHostAlloc")) {
        return r;
    }
    return allocate(pp, bytesize, true, "cuMemHostAlloc");
}

EXPORT CUresult cuMemFreeHost(void *p) {
    Lock lock;
    if (CUresult r = need_context("cuMemFreeHost")) {
        return r;
    }
    if (CUresult r = unsafe_during_capture("cuMemFreeHost")) {
        return r;
    }
    drain_all("cuMemFreeHost");
    return release(reinterpret_cast<std::uintptr_t>(p), true, "cuMemFreeHost");
}

EXPORT CUresult cuMemGetInfo_v2(size_t *free, size_t *total) {
    Lock lock;
    if (CUresult r = need_context("cuMemGetInfo")) {
        return r;
    }
    if (free == nullptr || total == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuMemGetInfo", "null pointer");
    }
    *total = DEVICE_MEMORY;
    *free = DEVICE_MEMORY - g_device_bytes;
    return CUDA_SUCCESS;
}

/* The checks every copy makes; "" if fine. */
static std::string check_copy(std::uintptr_t device, const void *host, std::size_t bytes, bool &pinned) {
    std::string why = check_range(device, bytes);
    if (!why.empty()) {
        return "device side: " + why;
    }
    if (host == nullptr) {
        return "null host pointer";
    }
    why.clear();
    pinned = is_pinned(host, bytes, why);
    return why.empty() ? "" : "host side: " + why;
}

static CUresult copy_h2d(CUdeviceptr dst, const void *src, std::size_t bytes, CUstream hStream, bool async,
                         const char *api) {
    if (CUresult r = need_context(api)) {
        return r;
    }
    if (CUresult r = check_stream(hStream, api)) {
        return r;
    }
    if (bytes == 0) {
        return CUDA_SUCCESS;
    }
    bool pinned = false;
    std::string why = check_copy(static_cast<std::uintptr_t>(dst), src, bytes, pinned);
    if (!why.empty()) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "%s", why.c_str());
    }
    CUstream s = resolve_stream(hStream);
    if (!async) {
        if (CUresult r = unsafe_during_capture(api)) {
            return r;
        }
        if (CUresult r = drain_all(api)) {
            return r;
        }
        std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
        return CUDA_SUCCESS;
    }
    Op op{Op::COPY_H2D};
    op.device = static_cast<std::uintptr_t>(dst);
    op.bytes = bytes;
    if (pinned) {
        op.src_host = src;
    } else {
        if (s->capture != CAPTURE_NONE) {
            invalidate_capture(s);
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, api,
                        "a copy from pageable host memory cannot be captured (the capture is now invalidated)");
        }
        /* pageable memory is staged before the call returns */
        op.snapshot = std::make_shared<std::vector<unsigned char>>(static_cast<const unsigned char *>(src),
                                                                   static_cast<const unsigned char *>(src) + bytes);
    }
    return submit(s, std::move(op), api);
}

static CUresult copy_d2h(void *dst, CUdeviceptr src, std::size_t bytes, CUstream hStream, bool async,
                         const char *api) {
    if (CUresult r = need_context(api)) {
        return r;
    }
    if (CUresult r = check_stream(hStream, api)) {
        return r;
    }
    if (bytes == 0) {
        return CUDA_SUCCESS;
    }
    bool pinned = false;
    std::string why = check_copy(static_cast<std::uintptr_t>(src), dst, bytes, pinned);
    if (!why.empty()) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "%s", why.c_str());
    }
    CUstream s = resolve_stream(hStream);
    if (!async || !pinned) {
        if (async && s->capture != CAPTURE_NONE) {
            invalidate_capture(s);
            return fail(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, api,
                        "a copy to pageable host memory cannot be captured (the capture is now invalidated)");
        }
        if (!async) {
            if (CUresult r = unsafe_during_capture(api)) {
                return r;
            }
        }
        /* synchronous for the host: the copy is done when the call returns */
        if (CUresult r = async ? drain(s, api) : drain_all(api)) {
            return r;
        }
        std::memcpy(dst, reinterpret_cast<const void *>(src), bytes);
        return CUDA_SUCCESS;
    }
    Op op{Op::COPY_D2H};
    op.device = static_cast<std::uintptr_t>(src);
    op.bytes = bytes;
    op.dst_host = dst;
    return submit(s, std::move(op), api);
}

EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount) {
    Lock lock;
    return copy_h2d(dstDevice, srcHost, ByteCount, nullptr, false, "cuMemcpyHtoD");
}

EXPORT CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount) {
    Lock lock;
    return copy_d2h(dstHost, srcDevice, ByteCount, nullptr, false, "cuMemcpyDtoH");
}

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream) {
    Lock lock;
    trace("cuMemcpyHtoDAsync(%#llx, %p, %zu, %p)", dstDevice, srcHost, ByteCount, static_cast<void *>(hStream));
    return copy_h2d(dstDevice, srcHost, ByteCount, hStream, true, "cuMemcpyHtoDAsync");
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream) {
    Lock lock;
    trace("cuMemcpyDtoHAsync(%p, %#llx, %zu, %p)", dstHost, srcDevice, ByteCount, static_cast<void *>(hStream));
    return copy_d2h(dstHost, srcDevice, ByteCount, hStream, true, "cuMemcpyDtoHAsync");
}

static CUresult memset32(CUdeviceptr dst, unsigned value, std::size_t n, CUstream hStream, bool async, const char *api) {
    if (CUresult r = need_context(api)) {
        return r;
    }
    if (CUresult r = check_stream(hStream, api)) {
        return r;
    }
    if (dst % 4 != 0) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "%#llx is not 4-byte aligned", dst);
    }
    if (n == 0) {
        return CUDA_SUCCESS;
    }
    std::string why = check_range(static_cast<std::uintptr_t>(dst), 4 * n);
    if (!why.empty()) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "%zu words: %s", n, why.c_str());
    }
    Op op{Op::MEMSET32};
    op.device = static_cast<std::uintptr_t>(dst);
    op.value = value;
    op.bytes = 4 * n;
    if (!async) {
        if (CUresult r = unsafe_during_capture(api)) {
            return r;
        }
        if (CUresult r = drain_all(api)) {
            return r;
        }
        return execute(op, api);
    }
    return submit(resolve_stream(hStream), std::move(op), api);
}

EXPORT CUresult cuMemsetD32_v2(CUdeviceptr dstDevice, unsigned int ui, size_t N) {
    Lock lock;
    return memset32(dstDevice, ui, N, nullptr, false, "cuMemsetD32");
}

EXPORT CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream) {
    Lock lock;
    trace("cuMemsetD32Async(%#llx, %u, %zu, %p)", dstDevice, ui, N, static_cast<void *>(hStream));
    return memset32(dstDevice, ui, N, hStream, true, "cuMemsetD32Async");
}

/* ================================================================ launches */

static std::string describe_args(const KernelInfo *info, const unsigned char *args) {
    std::string out;
    for (int i = 0; i < info->nparams; i++) {
        const ParamInfo &p = info->params[i];
        std::uint64_t v = 0;
        std::memcpy(&v, args + p.offset, std::min<std::size_t>(p.size, 8));
        if (p.kind == PARAM_POINTER) {
            out += format("%s%#llx", i ? ", " : "", (unsigned long long)v);
        } else if (p.size == 4 && std::strstr(p.type, "float") != nullptr) {
            float f;
            std::memcpy(&f, args + p.offset, 4);
            out += format("%s%g", i ? ", " : "", f);
        } else if (p.size == 4) {
            out += format("%s%d", i ? ", " : "", static_cast<int>(v));
        } else {
            out += format("%s%lld", i ? ", " : "", static_cast<long long>(v));
        }
    }
    return out;
}

EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                               unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                               unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra) {
    Lock lock;
    const char *api = "cuLaunchKernel";
    if (CUresult r = need_context(api)) {
        return r;
    }
    if (f == nullptr) {
        return fail(CUDA_ERROR_INVALID_HANDLE, api, "null function");
    }
    bool known = false;
    for (CUmodule m : g_modules) {
        auto it = std::find_if(m->functions.begin(), m->functions.end(), [f](auto &e) { return e.second == f; });
        if (it != m->functions.end()) {
            known = true;
            break;
        }
    }
    if (!known) {
        return fail(CUDA_ERROR_INVALID_HANDLE, api, "%p is not a function of any module", static_cast<void *>(f));
    }
    const KernelInfo *info = f->info;
    if (!f->module->loaded) {
        return fail(CUDA_ERROR_INVALID_HANDLE, api, "kernel %s: its module was unloaded", info->name);
    }
    if (CUresult r = check_stream(hStream, api)) {
        return r;
    }
    if (gridDimX == 0 || gridDimY == 0 || gridDimZ == 0 || gridDimX > 2147483647u || gridDimY > 65535 ||
        gridDimZ > 65535) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "kernel %s: grid (%u, %u, %u) (x <= 2^31-1, y, z <= 65535, none 0)",
                    info->name, gridDimX, gridDimY, gridDimZ);
    }
    const unsigned long long threads = static_cast<unsigned long long>(blockDimX) * blockDimY * blockDimZ;
    if (blockDimX == 0 || blockDimY == 0 || blockDimZ == 0 || blockDimX > 1024 || blockDimY > 1024 ||
        blockDimZ > 64 || threads > 1024) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "kernel %s: block (%u, %u, %u) (at most 1024 threads)", info->name,
                    blockDimX, blockDimY, blockDimZ);
    }
    if (info->max_threads > 0 && threads > static_cast<unsigned long long>(info->max_threads)) {
        return fail(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, api,
                    "kernel %s: %llu threads per block, over its __launch_bounds__(%d)", info->name, threads,
                    info->max_threads);
    }
    if (sharedMemBytes > 0) {
        return fail(CUDA_ERROR_INVALID_VALUE, api,
                    "kernel %s: %u bytes of dynamic shared memory, which the fake's kernels cannot use", info->name,
                    sharedMemBytes);
    }
    if (extra != nullptr) {
        return fail(CUDA_ERROR_NOT_SUPPORTED, api, "kernel %s: the 'extra' parameter form is not supported", info->name);
    }
    if (info->nparams > 0 && kernelParams == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "kernel %s takes %d parameters, kernelParams is null", info->name,
                    info->nparams);
    }
    Op op{Op::KERNEL};
    op.function = f;
    op.grid = dim3(gridDimX, gridDimY, gridDimZ);
    op.block = dim3(blockDimX, blockDimY, blockDimZ);
    op.shared = sharedMemBytes;
    op.args.assign(info->args_size + 8, 0);
    /* the kernel's real parameter types say how many pointers kernelParams holds and how many bytes each
     * points at: read them carefully, a caller that passed fewer arguments leaves garbage there */
    for (int i = 0; i < info->nparams; i++) {
        const ParamInfo &p = info->params[i];
        void *slot = nullptr;
        if (!safe_read(kernelParams + i, &slot, sizeof slot)) {
            return fail(CUDA_ERROR_INVALID_VALUE, api,
                        "kernel %s takes %d parameters, kernelParams[%d] (%s) cannot be read: fewer arguments given?",
                        info->name, info->nparams, i, type_of(p).c_str());
        }
        if (slot == nullptr) {
            return fail(CUDA_ERROR_INVALID_VALUE, api, "kernel %s: kernelParams[%d] (%s) is null", info->name, i,
                        type_of(p).c_str());
        }
        if (!safe_read(slot, op.args.data() + p.offset, p.size)) { /* by value, now */
            return fail(CUDA_ERROR_INVALID_VALUE, api,
                        "kernel %s takes %d parameters, kernelParams[%d] (%s) points at unreadable memory (%p): fewer "
                        "arguments given?",
                        info->name, info->nparams, i, type_of(p).c_str(), slot);
        }
    }
    /* pointer arguments: null or inside a live device allocation, aligned for their type */
    for (int i = 0; i < info->nparams; i++) {
        const ParamInfo &p = info->params[i];
        if (p.kind != PARAM_POINTER) {
            continue;
        }
        std::uintptr_t v;
        std::memcpy(&v, op.args.data() + p.offset, sizeof v);
        if (v == 0) {
            continue;
        }
        std::string why = check_range(v, 1);
        if (why.empty() && v % p.pointee_align != 0) {
            why = format("%#llx is not aligned to %zu bytes", (unsigned long long)v, p.pointee_align);
        }
        if (!why.empty()) {
            return device_error(CUDA_ERROR_ILLEGAL_ADDRESS, api,
                                format("kernel %s, parameter %d (%s): %s; arguments (%s)", info->name, i, type_of(p).c_str(),
                                       why.c_str(), describe_args(info, op.args.data()).c_str()));
        }
    }
    CUstream s = resolve_stream(hStream);
    trace("cuLaunchKernel(%s, grid (%u,%u,%u), block (%u,%u,%u), stream %p%s: %s)", info->name, gridDimX, gridDimY,
          gridDimZ, blockDimX, blockDimY, blockDimZ, static_cast<void *>(hStream),
          s->capture == CAPTURE_ACTIVE ? ", captured" : "", describe_args(info, op.args.data()).c_str());
    return submit(s, std::move(op), api);
}

/* ================================================================ graphs */

EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec *phGraphExec, CUgraph hGraph, unsigned long long flags) {
    Lock lock;
    const char *api = "cuGraphInstantiate";
    if (CUresult r = need_context(api)) {
        return r;
    }
    if (phGraphExec == nullptr) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "null pointer");
    }
    if (hGraph == nullptr || g_graphs.count(hGraph) == 0 || !hGraph->live) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "%p is not a live graph", static_cast<void *>(hGraph));
    }
    if (flags & ~0xfull) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "flags %#llx", flags);
    }
    for (const Op &op : hGraph->ops) {
        if (op.kind == Op::KERNEL && !op.function->module->loaded) {
            return fail(CUDA_ERROR_INVALID_VALUE, api, "kernel %s of the graph: its module was unloaded",
                        op.function->info->name);
        }
    }
    CUgraphExec e = new CUgraphExec_st();
    e->ops = std::make_shared<const std::vector<Op>>(hGraph->ops);
    g_execs.insert(e);
    *phGraphExec = e;
    trace("cuGraphInstantiate(graph %p) -> %p (%zu op(s))", static_cast<void *>(hGraph), static_cast<void *>(e),
          e->ops->size());
    return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream) {
    Lock lock;
    const char *api = "cuGraphLaunch";
    if (CUresult r = need_context(api)) {
        return r;
    }
    if (hGraphExec == nullptr || g_execs.count(hGraphExec) == 0 || !hGraphExec->live) {
        return fail(CUDA_ERROR_INVALID_VALUE, api, "%p is not a live executable graph", static_cast<void *>(hGraphExec));
    }
    if (CUresult r = check_stream(hStream, api)) {
        return r;
    }
    trace("cuGraphLaunch(%p, stream %p)", static_cast<void *>(hGraphExec), static_cast<void *>(hStream));
    g_graph_launches++;
    Op op{Op::GRAPH};
    op.graph = hGraphExec->ops;
    return submit(resolve_stream(hStream), std::move(op), api);
}

EXPORT CUresult cuGraphExecDestroy(CUgraphExec hGraphExec) {
    Lock lock;
    if (CUresult r = need_context("cuGraphExecDestroy")) {
        return r;
    }
    if (hGraphExec == nullptr || g_execs.count(hGraphExec) == 0 || !hGraphExec->live) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuGraphExecDestroy", "%p is not a live executable graph",
                    static_cast<void *>(hGraphExec));
    }
    hGraphExec->live = false;
    hGraphExec->ops.reset(); /* queued launches keep their own reference */
    return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphDestroy(CUgraph hGraph) {
    Lock lock;
    if (CUresult r = need_context("cuGraphDestroy")) {
        return r;
    }
    if (hGraph == nullptr || g_graphs.count(hGraph) == 0 || !hGraph->live) {
        return fail(CUDA_ERROR_INVALID_VALUE, "cuGraphDestroy", "%p is not a live graph", static_cast<void *>(hGraph));
    }
    hGraph->live = false;
    hGraph->ops.clear();
    return CUDA_SUCCESS;
}

/* ================================================================ for the fake cuBLAS */

EXPORT int fakecuda_stream_host_op(void *stream, const char *name, fakecuda_host_op_fn fn, void *payload,
                                   void (*release_payload)(void *)) {
    Lock lock;
    auto host = std::make_shared<HostOp>();
    host->name = name;
    host->fn = fn;
    host->payload = payload;
    host->release = release_payload;
    if (CUresult r = need_context(name)) {
        return r;
    }
    CUstream s = static_cast<CUstream>(stream);
    if (CUresult r = check_stream(s, name)) {
        return r;
    }
    Op op{Op::HOST};
    op.host = std::move(host);
    return submit(resolve_stream(s), std::move(op), name);
}

EXPORT int fakecuda_check_device_range(const void *p, std::size_t bytes, char *why, std::size_t why_size) {
    Lock lock;
    std::string reason = check_range(reinterpret_cast<std::uintptr_t>(p), std::max<std::size_t>(bytes, 1));
    if (reason.empty()) {
        return CUDA_SUCCESS;
    }
    if (why != nullptr && why_size > 0) {
        std::snprintf(why, why_size, "%s", reason.c_str());
    }
    return CUDA_ERROR_ILLEGAL_ADDRESS;
}

EXPORT int fakecuda_stream_valid(void *stream) {
    Lock lock;
    CUstream s = static_cast<CUstream>(stream);
    return s == nullptr || (g_streams.count(s) != 0 && s->live);
}

/* Called by every generated stub. */
EXPORT CUresult fakecuda_unsupported(const char *api) {
    return fail(CUDA_ERROR_NOT_SUPPORTED, api, "not implemented by the fake CUDA driver");
}
