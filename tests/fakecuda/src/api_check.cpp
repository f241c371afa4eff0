/*
 * api_check.cpp: compiled (never linked) by build.sh when the CUDA toolkit's cuda.h is found:
 * every entry point of fakecuda_driver_api.h must have exactly the signature cuda.h declares,
 * so JCuda's calls reach the fake with the arguments they would give the real driver.
 */
#include <cuda.h>

#include <type_traits>

#include "fakecuda_driver_api.h"

#define FAKECUDA_CHECK(name, params)                                                                                   \
    static_assert(std::is_same<decltype(&::name), CUresult(CUDAAPI *) params>::value,                                 \
                  #name ": the fake's signature differs from cuda.h");
FAKECUDA_DRIVER_API(FAKECUDA_CHECK)
