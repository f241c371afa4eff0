/*
 * runtime.cpp: runs a grid of a g++-compiled kernel on the CPU.
 *
 * Blocks are spread over worker OS threads (the calling thread and FAKECUDA_THREADS - 1 more),
 * each running one block at a time. Within a block every CUDA thread is a fiber: its own
 * 256 KiB stack (guard page below, allocated on first need and reused), entered with a small
 * assembly context switch. A fiber runs until it finishes or blocks in __syncthreads or a warp
 * collective; the block's scheduler then runs the next ready fiber (forward, reverse or random
 * order). A barrier completes when every thread of the block has reached it at the same call
 * site; a warp collective when every lane of the warp has. Anything else (a thread that exits
 * while others wait, barriers at different sites, a warp op with a partial mask, every thread
 * blocked) stops the launch with CUDA_ERROR_LAUNCH_FAILED and a message naming the threads.
 *
 * __shared__ variables live in a per-worker arena: each block lays out the variables it touches
 * (in the order it first touches them) and fills them with 0xff bytes (NaN as float or bf16,
 * -1 as int) first, so a block never sees data of another block or of an earlier launch.
 */
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "internal.h"

/*
 * ---- context switch (x86-64 System V): the callee-saved general registers. MXCSR and the x87
 * control word are callee-saved too, but nothing here changes them, so every fiber runs with the
 * worker's settings and saving them (ldmxcsr and fldcw are slow) is left out.
 */
__asm__(R"(
    .text
    .globl fakecuda_switch_context
    .hidden fakecuda_switch_context
    .type fakecuda_switch_context, @function
fakecuda_switch_context:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size fakecuda_switch_context, .-fakecuda_switch_context

    .globl fakecuda_fiber_trampoline
    .hidden fakecuda_fiber_trampoline
    .type fakecuda_fiber_trampoline, @function
fakecuda_fiber_trampoline:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size fakecuda_fiber_trampoline, .-fakecuda_fiber_trampoline
)");

extern "C" void fakecuda_switch_context(void **save_sp, void *new_sp);
extern "C" void fakecuda_fiber_trampoline();

namespace fakecuda {

/* ---------------------------------------------------------------- config, logging */

static Config load_config() {
    Config c;
    unsigned cpus = std::thread::hardware_concurrency();
    c.threads = static_cast<int>(std::min(16u, std::max(1u, cpus)));
    if (const char *v = std::getenv("FAKECUDA_THREADS")) {
        c.threads = std::max(1, std::min(64, std::atoi(v)));
    }
    if (const char *v = std::getenv("FAKECUDA_SCHEDULE")) {
        c.schedule = std::strcmp(v, "reverse") == 0 ? 1 : std::strcmp(v, "random") == 0 ? 2 : 0;
    }
    if (const char *v = std::getenv("FAKECUDA_SEED")) {
        c.seed = static_cast<unsigned>(std::strtoul(v, nullptr, 0));
    }
    auto flag = [](const char *name) {
        const char *v = std::getenv(name);
        return v != nullptr && *v != 0 && std::strcmp(v, "0") != 0;
    };
    c.trace = flag("FAKECUDA_TRACE");
    c.defer = flag("FAKECUDA_DEFER");
    c.stats = flag("FAKECUDA_STATS");
    if (const char *v = std::getenv("FAKECUDA_KERNELS")) {
        c.kernels = v;
    }
    return c;
}

const Config &config() {
    static const Config c = load_config();
    return c;
}

void vlog(const char *format, va_list args) {
    char buffer[4096];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    std::fprintf(stderr, "fakecuda: %s\n", buffer);
    std::fflush(stderr);
}

void log(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vlog(format, args);
    va_end(args);
}

std::string format(const char *format, ...) {
    char buffer[4096];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return buffer;
}

[[noreturn]] void not_on_fiber() {
    std::fprintf(stderr, "fakecuda: kernel code (threadIdx, __syncthreads, __shared__ ...) ran outside a fake CUDA "
                         "thread: call kernels only through cuLaunchKernel\n");
    std::abort();
}

/* ---------------------------------------------------------------- fibers */

struct Fiber {
    char *base; /* STACK_SIZE bytes, aligned to STACK_SIZE; the lowest page is a guard */
    void *sp;
};

class StackPool {
  public:
    Fiber *get() {
        if (!free_.empty()) {
            Fiber *f = free_.back();
            free_.pop_back();
            return f;
        }
        const std::size_t size = STACK_SIZE;
        void *raw = mmap(nullptr, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (raw == MAP_FAILED) {
            log("out of memory for a fiber stack");
            std::abort();
        }
        std::uintptr_t start = reinterpret_cast<std::uintptr_t>(raw);
        std::uintptr_t aligned = (start + size - 1) & ~(size - 1);
        if (aligned > start) {
            munmap(raw, aligned - start);
        }
        std::uintptr_t end = start + 2 * size;
        if (end > aligned + size) {
            munmap(reinterpret_cast<void *>(aligned + size), end - (aligned + size));
        }
        mprotect(reinterpret_cast<void *>(aligned), static_cast<std::size_t>(sysconf(_SC_PAGESIZE)), PROT_NONE);
        Fiber *f = new Fiber{reinterpret_cast<char *>(aligned), nullptr};
        return f;
    }
    void put(Fiber *f) { free_.push_back(f); }

  private:
    std::vector<Fiber *> free_;
};

/* Prepares f to start entry(arg) with ctx as its ThreadCtx on the next switch into it. */
static void prepare_fiber(Fiber *f, ThreadCtx *ctx, void (*entry)(void *), void *arg) {
    std::uint64_t *slot = reinterpret_cast<std::uint64_t *>(context_slot(reinterpret_cast<std::uintptr_t>(f->base)));
    slot[0] = reinterpret_cast<std::uint64_t>(ctx);
    slot[1] = STACK_MAGIC;
    std::uint64_t *top = slot; /* 16-byte aligned; nothing of the fiber's goes at or above it */
    top[-1] = reinterpret_cast<std::uint64_t>(&fakecuda_fiber_trampoline); /* ret target: rsp = top after it */
    top[-2] = 0;                                                            /* rbp */
    top[-3] = 0;                                                            /* rbx */
    top[-4] = reinterpret_cast<std::uint64_t>(arg);                         /* r12: the argument */
    top[-5] = reinterpret_cast<std::uint64_t>(entry);                       /* r13: the entry */
    top[-6] = 0;                                                            /* r14 */
    top[-7] = 0;                                                            /* r15 */
    f->sp = top - 7;
}

/* ---------------------------------------------------------------- blocks */

enum ThreadState { NOT_STARTED, READY, RUNNING, WAIT_BLOCK, WAIT_WARP, DONE };

struct Thread {
    ThreadCtx ctx;
    Fiber *fiber;
    ThreadState state;
    const char *op;
    const char *file;
    int line;
};

struct Warp {
    int lanes;
    int arrived;
    int exited;
    const char *op;
    const char *file;
    int line;
    int any_site;
    CombineFn combine;
    void *payloads[32];
};

struct Launch;
struct Worker;

} // namespace fakecuda

/* The type the ABI header forward-declares. */
struct fakecuda::Block {
    Worker *worker;
    Launch *launch;
    int n;
    std::vector<Thread> threads;
    std::vector<Warp> warps;
    std::deque<int> ready;
    int alive;
    int exited;
    int first_exited;
    int bar_arrived;
    const char *bar_file;
    int bar_line;
    Thread *current;
    std::vector<int> released; /* scratch: the threads a barrier or collective releases */
};

namespace fakecuda {

struct Arena {
    unsigned char *base = nullptr;
    std::size_t used = 0;
    std::uint64_t generation = 0;
    std::vector<std::pair<std::uint64_t, std::size_t>> sites; /* site id -> (generation, offset) */
};

constexpr std::size_t SHARED_LIMIT = 48 * 1024; /* CUDA's static __shared__ limit per block */
constexpr std::size_t ARENA_SIZE = 64 * 1024;

struct Worker {
    int index = 0;
    void *scheduler_sp = nullptr;
    StackPool stacks;
    Arena arena;
    Block block;
    std::mt19937 rng;
};

struct Launch {
    const LaunchSpec *spec;
    std::atomic<std::uint64_t> next{0};
    std::uint64_t total = 0;
    std::atomic<bool> failed{false};
    std::mutex mu;
    LaunchResult result;
};

static std::atomic<int> next_site_id{0};

static Worker &worker(int index);

static void fail_launch(Block *b, Thread *t, int code, const std::string &message) {
    Launch *l = b->launch;
    std::lock_guard<std::mutex> lock(l->mu);
    if (l->failed.load()) {
        return;
    }
    std::string where = "kernel " + std::string(l->spec->info->name);
    if (t != nullptr) {
        where += format(" block (%u,%u,%u) thread (%u,%u,%u)", t->ctx.blockIdx.x, t->ctx.blockIdx.y, t->ctx.blockIdx.z,
                        t->ctx.threadIdx.x, t->ctx.threadIdx.y, t->ctx.threadIdx.z);
    }
    l->result.code = code;
    l->result.message = where + ": " + message;
    l->failed.store(true);
}

/* Back to the block's scheduler (from a fiber). */
static void yield_to_scheduler(Thread *t) {
    Worker *w = t->ctx.block->worker;
    fakecuda_switch_context(&t->fiber->sp, w->scheduler_sp);
}

[[noreturn]] static void abort_thread(Thread *t) {
    t->state = DONE;
    yield_to_scheduler(t);
    __builtin_unreachable();
}

static Thread *current_thread() {
    ThreadCtx *c = self();
    return &c->block->threads[static_cast<std::size_t>(c->linear)];
}

static void push_ready(Block *b, std::vector<int> &ids) {
    const int schedule = config().schedule;
    if (schedule == 1) {
        std::reverse(ids.begin(), ids.end());
    } else if (schedule == 2) {
        std::shuffle(ids.begin(), ids.end(), b->worker->rng);
    }
    for (int id : ids) {
        b->threads[static_cast<std::size_t>(id)].state = READY;
        b->ready.push_back(id);
    }
}

static std::string site(const char *file, int line) { return format("%s:%d", file ? file : "?", line); }

static void fiber_entry(void *arg) {
    Thread *t = static_cast<Thread *>(arg);
    Block *b = t->ctx.block;
    const LaunchSpec *spec = b->launch->spec;
    spec->info->invoke(spec->info->fn, spec->args);
    /* the thread returned from the kernel */
    t->state = DONE;
    b->exited++;
    if (b->first_exited < 0) {
        b->first_exited = t->ctx.linear;
    }
    Warp &w = b->warps[static_cast<std::size_t>(t->ctx.warp)];
    w.exited++;
    if (b->bar_arrived > 0) {
        fail_launch(b, t, 719,
                    format("this thread exited while %d thread(s) of its block wait at __syncthreads (%s): every thread "
                           "must reach every barrier",
                           b->bar_arrived, site(b->bar_file, b->bar_line).c_str()));
    } else if (w.arrived > 0) {
        fail_launch(b, t, 719,
                    format("this lane exited while %d lane(s) of its warp wait in %s (%s)", w.arrived, w.op,
                           site(w.file, w.line).c_str()));
    }
    yield_to_scheduler(t);
    __builtin_unreachable();
}

static std::string describe_waits(Block *b) {
    std::map<std::string, std::vector<int>> groups;
    for (Thread &t : b->threads) {
        std::string key;
        switch (t.state) {
        case WAIT_BLOCK:
            key = "__syncthreads at " + site(t.file, t.line);
            break;
        case WAIT_WARP:
            key = std::string(t.op) + " at " + site(t.file, t.line);
            break;
        case DONE:
            key = "exited";
            break;
        default:
            key = "not started";
        }
        groups[key].push_back(t.ctx.linear);
    }
    std::string out;
    for (auto &g : groups) {
        out += format("%s%zu thread(s) %s (first: %d)", out.empty() ? "" : "; ", g.second.size(), g.first.c_str(),
                      g.second.front());
    }
    return out;
}

static void run_block(Worker &w, Launch &l, std::uint64_t linear_block) {
    const LaunchSpec &spec = *l.spec;
    Block &b = w.block;
    const int n = static_cast<int>(spec.block.x * spec.block.y * spec.block.z);
    b.worker = &w;
    b.launch = &l;
    b.n = n;
    b.threads.resize(static_cast<std::size_t>(n));
    const int nwarps = (n + 31) / 32;
    b.warps.assign(static_cast<std::size_t>(nwarps), Warp{});
    for (int i = 0; i < nwarps; i++) {
        b.warps[static_cast<std::size_t>(i)].lanes = std::min(32, n - 32 * i);
    }
    b.ready.clear();
    b.alive = n;
    b.exited = 0;
    b.first_exited = -1;
    b.bar_arrived = 0;
    b.current = nullptr;
    const std::uint64_t gx = spec.grid.x;
    const std::uint64_t gy = spec.grid.y;
    const uint3 block_idx{static_cast<unsigned>(linear_block % gx), static_cast<unsigned>((linear_block / gx) % gy),
                          static_cast<unsigned>(linear_block / (gx * gy))};
    std::vector<int> &order = b.released;
    order.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; i++) {
        Thread &t = b.threads[static_cast<std::size_t>(i)];
        t.ctx.threadIdx = uint3{static_cast<unsigned>(i) % spec.block.x, (static_cast<unsigned>(i) / spec.block.x) % spec.block.y,
                                static_cast<unsigned>(i) / (spec.block.x * spec.block.y)};
        t.ctx.blockIdx = block_idx;
        t.ctx.blockDim = spec.block;
        t.ctx.gridDim = spec.grid;
        t.ctx.linear = i;
        t.ctx.lane = i % 32;
        t.ctx.warp = i / 32;
        t.ctx.block = &b;
        t.fiber = nullptr;
        t.state = NOT_STARTED;
        t.op = nullptr;
        t.file = nullptr;
        t.line = 0;
        order[static_cast<std::size_t>(i)] = i;
    }
    push_ready(&b, order);
    w.arena.generation++;
    w.arena.used = 0;

    while (!l.failed.load(std::memory_order_relaxed)) {
        if (b.ready.empty()) {
            if (b.alive == 0) {
                break;
            }
            fail_launch(&b, nullptr, 719,
                        format("block (%u,%u,%u) is stuck, no thread can go on: %s", block_idx.x, block_idx.y,
                               block_idx.z, describe_waits(&b).c_str()));
            break;
        }
        const int id = b.ready.front();
        b.ready.pop_front();
        Thread &t = b.threads[static_cast<std::size_t>(id)];
        if (t.fiber == nullptr) {
            t.fiber = w.stacks.get();
            prepare_fiber(t.fiber, &t.ctx, &fiber_entry, &t);
        }
        t.state = RUNNING;
        b.current = &t;
        fakecuda_switch_context(&w.scheduler_sp, t.fiber->sp);
        b.current = nullptr;
        if (t.state == DONE) {
            w.stacks.put(t.fiber);
            t.fiber = nullptr;
            b.alive--;
        }
    }
    for (Thread &t : b.threads) {
        if (t.fiber != nullptr) {
            w.stacks.put(t.fiber); /* abandoned by a failed launch */
            t.fiber = nullptr;
        }
    }
}

/* ---------------------------------------------------------------- worker threads */

class Pool {
  public:
    explicit Pool(int threads) : size_(threads) {
        for (int i = 1; i < threads; i++) {
            std::thread([this, i] { loop(i); }).detach();
        }
    }
    int size() const { return size_; }

    /* Runs job(worker index) on every worker, the caller being worker 0; returns when all are done. */
    template <typename F> void run(F &&job) {
        if (size_ == 1) {
            job(0);
            return;
        }
        std::function<void(int)> fn = job;
        {
            std::unique_lock<std::mutex> lock(mu_);
            job_ = &fn;
            busy_ = size_ - 1;
            generation_++;
        }
        cv_.notify_all();
        job(0);
        std::unique_lock<std::mutex> lock(mu_);
        done_.wait(lock, [this] { return busy_ == 0; });
        job_ = nullptr;
    }

  private:
    void loop(int index) {
        std::uint64_t seen = 0;
        for (;;) {
            std::function<void(int)> *job;
            {
                std::unique_lock<std::mutex> lock(mu_);
                cv_.wait(lock, [&] { return generation_ != seen; });
                seen = generation_;
                job = job_;
            }
            (*job)(index);
            {
                std::lock_guard<std::mutex> lock(mu_);
                busy_--;
            }
            done_.notify_all();
        }
    }

    int size_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::condition_variable done_;
    std::function<void(int)> *job_ = nullptr;
    int busy_ = 0;
    std::uint64_t generation_ = 0;
};

static Pool &pool() {
    static Pool *p = new Pool(config().threads); /* never destroyed: its threads outlive main */
    return *p;
}

static Worker &worker(int index) {
    static std::vector<Worker *> *all = [] {
        auto *v = new std::vector<Worker *>();
        for (int i = 0; i < config().threads; i++) {
            Worker *w = new Worker();
            w->index = i;
            w->rng.seed(config().seed + 7919u * static_cast<unsigned>(i));
            void *arena = mmap(nullptr, ARENA_SIZE + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (arena == MAP_FAILED) {
                log("out of memory for shared-memory arenas");
                std::abort();
            }
            mprotect(static_cast<char *>(arena) + ARENA_SIZE, 4096, PROT_NONE);
            w->arena.base = static_cast<unsigned char *>(arena);
            v->push_back(w);
        }
        return v;
    }();
    return *(*all)[static_cast<std::size_t>(index)];
}

LaunchResult run_grid(const LaunchSpec &spec) {
    Launch l;
    l.spec = &spec;
    l.total = static_cast<std::uint64_t>(spec.grid.x) * spec.grid.y * spec.grid.z;
    auto body = [&l](int index) {
        Worker &w = worker(index);
        for (;;) {
            if (l.failed.load(std::memory_order_relaxed)) {
                return;
            }
            const std::uint64_t b = l.next.fetch_add(1);
            if (b >= l.total) {
                return;
            }
            run_block(w, l, b);
        }
    };
    if (l.total == 1) {
        body(0);
    } else {
        pool().run(body);
    }
    return l.result;
}

void parallel_for(int n, void (*fn)(void *ctx, int i), void *ctx) {
    std::atomic<int> next{0};
    auto body = [&](int) {
        for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
            fn(ctx, i);
        }
    };
    if (n <= 1) {
        body(0);
    } else {
        pool().run(body);
    }
}

} // namespace fakecuda

using namespace fakecuda;

/* ---------------------------------------------------------------- the ABI kernel code calls */

extern "C" __attribute__((visibility("default"))) void *fakecuda_shared_get(SharedSite *s) {
    Thread *t = current_thread();
    Block *b = t->ctx.block;
    Arena &a = b->worker->arena;
    int id = s->id.load(std::memory_order_acquire);
    if (id < 0) {
        static std::mutex mu;
        std::lock_guard<std::mutex> lock(mu);
        id = s->id.load(std::memory_order_relaxed);
        if (id < 0) {
            id = next_site_id.fetch_add(1);
            s->id.store(id, std::memory_order_release);
        }
    }
    if (a.sites.size() <= static_cast<std::size_t>(id)) {
        a.sites.resize(static_cast<std::size_t>(id) + 1, {0, 0});
    }
    auto &entry = a.sites[static_cast<std::size_t>(id)];
    if (entry.first != a.generation) {
        const std::size_t align = std::max<std::size_t>(s->align, 16);
        const std::size_t offset = (a.used + align - 1) / align * align;
        if (offset + s->size > SHARED_LIMIT) {
            fail_launch(b, t, 701,
                        format("__shared__ %s (%zu bytes, %s:%d) takes the block's static shared memory to %zu bytes, "
                               "over CUDA's %zu",
                               s->name, s->size, s->file, s->line, offset + s->size, SHARED_LIMIT));
            abort_thread(t);
        }
        entry.first = a.generation;
        entry.second = offset;
        a.used = offset + s->size;
        std::memset(a.base + offset, 0xff, s->size);
    }
    return a.base + entry.second;
}

extern "C" __attribute__((visibility("default"))) void fakecuda_syncthreads(const char *file, int line) {
    Thread *t = current_thread();
    Block *b = t->ctx.block;
    if (b->exited > 0) {
        fail_launch(b, t, 719,
                    format("__syncthreads at %s reached after thread %d of the block exited: every thread must reach "
                           "every barrier",
                           site(file, line).c_str(), b->first_exited));
        abort_thread(t);
    }
    if (b->bar_arrived == 0) {
        b->bar_file = file;
        b->bar_line = line;
    } else if (line != b->bar_line || (file != b->bar_file && std::strcmp(file, b->bar_file) != 0)) {
        fail_launch(b, t, 719,
                    format("divergent barriers: this thread is at __syncthreads %s while %d thread(s) wait at %s",
                           site(file, line).c_str(), b->bar_arrived, site(b->bar_file, b->bar_line).c_str()));
        abort_thread(t);
    }
    t->state = WAIT_BLOCK;
    t->op = "__syncthreads";
    t->file = file;
    t->line = line;
    if (++b->bar_arrived == b->n) {
        b->bar_arrived = 0;
        b->released.clear();
        for (int i = 0; i < b->n; i++) {
            b->released.push_back(i);
        }
        push_ready(b, b->released);
    }
    yield_to_scheduler(t);
}

extern "C" __attribute__((visibility("default"))) void fakecuda_warp_collective(const char *op, const char *file,
                                                                                 int line, unsigned mask, int any_site,
                                                                                 void *payload, CombineFn combine) {
    Thread *t = current_thread();
    Block *b = t->ctx.block;
    Warp &w = b->warps[static_cast<std::size_t>(t->ctx.warp)];
    const unsigned full = w.lanes == 32 ? 0xffffffffu : (1u << w.lanes) - 1u;
    if (mask != full) {
        fail_launch(b, t, 719,
                    format("%s at %s with mask %#x: the warp has %d lane(s) (mask %#x) and the fake CUDA supports "
                           "only that full mask",
                           op, site(file, line).c_str(), mask, w.lanes, full));
        abort_thread(t);
    }
    if (w.exited > 0) {
        fail_launch(b, t, 719,
                    format("%s at %s: a lane of this warp has exited, yet the mask names it", op,
                           site(file, line).c_str()));
        abort_thread(t);
    }
    if (w.arrived == 0) {
        w.op = op;
        w.file = file;
        w.line = line;
        w.any_site = any_site;
        w.combine = combine;
    } else if ((op != w.op && std::strcmp(op, w.op) != 0) ||
               (!any_site && (line != w.line || (file != w.file && std::strcmp(file, w.file) != 0)))) {
        fail_launch(b, t, 719,
                    format("divergent warp: this lane is in %s at %s while %d lane(s) wait in %s at %s", op,
                           site(file, line).c_str(), w.arrived, w.op, site(w.file, w.line).c_str()));
        abort_thread(t);
    }
    w.payloads[t->ctx.lane] = payload;
    t->state = WAIT_WARP;
    t->op = op;
    t->file = file;
    t->line = line;
    if (++w.arrived == w.lanes) {
        if (w.combine != nullptr) {
            w.combine(w.payloads, w.lanes);
        }
        w.arrived = 0;
        b->released.clear();
        for (int lane = 0; lane < w.lanes; lane++) {
            b->released.push_back(t->ctx.warp * 32 + lane);
        }
        push_ready(b, b->released);
    }
    yield_to_scheduler(t);
}

extern "C" __attribute__((visibility("default"))) void fakecuda_fault(int cuda_error, const char *fmt, ...) {
    Thread *t = current_thread();
    char buffer[2048];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    fail_launch(t->ctx.block, t, cuda_error, buffer);
    abort_thread(t);
}

extern "C" __attribute__((visibility("default"))) void fakecuda_parallel_for(int n, void (*fn)(void *, int), void *ctx) {
    parallel_for(n, fn, ctx);
}

extern "C" __attribute__((visibility("default"))) void fakecuda_log(const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vlog(fmt, args);
    va_end(args);
}
