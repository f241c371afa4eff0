/* internal.h: what the fake driver's sources share (not part of any API). */
#ifndef FAKECUDA_INTERNAL_H
#define FAKECUDA_INTERNAL_H

#include <cstdarg>
#include <cstdint>
#include <string>

#include "fakecuda_abi.h"

namespace fakecuda {

/* Settings from the environment, read once. */
struct Config {
    int threads = 1;          /* FAKECUDA_THREADS: worker OS threads running blocks (default: the CPUs, at most 16) */
    int schedule = 0;         /* FAKECUDA_SCHEDULE: forward (0), reverse (1) or random (2) order of a block's threads */
    unsigned seed = 1;        /* FAKECUDA_SEED: for the random schedule */
    bool trace = false;       /* FAKECUDA_TRACE=1: every driver call on stderr */
    bool defer = false;       /* FAKECUDA_DEFER=1: stream work runs at synchronisation points, not when enqueued */
    bool stats = false;       /* FAKECUDA_STATS=1: per-kernel counts and times at exit */
    std::string kernels;      /* FAKECUDA_KERNELS: the kernel library (default: next to libcuda.so.1) */
};
const Config &config();

/* One grid launch of a registered kernel, executed on the CPU. */
struct LaunchSpec {
    const KernelInfo *info;
    dim3 grid;
    dim3 block;
    unsigned dynamic_shared;
    const unsigned char *args; /* packed as info->params describe */
};

struct LaunchResult {
    int code = 0; /* a CUresult: 0, or the device-side error that stopped the launch */
    std::string message;
};

LaunchResult run_grid(const LaunchSpec &spec);
void parallel_for(int n, void (*fn)(void *ctx, int i), void *ctx);
void vlog(const char *format, va_list args);
void log(const char *format, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char *format, ...) __attribute__((format(printf, 1, 2)));

} // namespace fakecuda

#endif
