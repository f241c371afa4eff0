/*
 * kernel_registry.cpp: linked into every kernel library the fake driver loads. The rewriter puts
 * one fakecuda::Registrar after each __global__ function; their constructors (run when the
 * library is loaded) add the kernel here, and the driver reads the table through
 * fakecuda_kernel_table.
 */
#include <vector>

#include "fakecuda_abi.h"

namespace fakecuda {

static std::vector<const KernelInfo *> &kernels() {
    static std::vector<const KernelInfo *> all;
    return all;
}

void add_kernel(const KernelInfo *info) { kernels().push_back(info); }

} // namespace fakecuda

extern "C" __attribute__((visibility("default"))) const fakecuda::KernelInfo *const *fakecuda_kernel_table(int *count) {
    *count = static_cast<int>(fakecuda::kernels().size());
    return fakecuda::kernels().data();
}
