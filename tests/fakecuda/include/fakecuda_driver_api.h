/*
 * fakecuda_driver_api.h: the CUDA driver entry points the fake libcuda.so.1 implements, as one
 * X-macro list, so the same list declares them for the fake (with the types below) and, in
 * src/api_check.cpp, is checked against the real cuda.h signatures when the toolkit is
 * installed. Every other cu* symbol JCuda's native library references is a generated stub that
 * returns CUDA_ERROR_NOT_SUPPORTED.
 */
#ifndef FAKECUDA_DRIVER_API_H
#define FAKECUDA_DRIVER_API_H

#include <cstddef>

#define FAKECUDA_DRIVER_API(X)                                                                                        \
    X(cuInit, (unsigned int Flags))                                                                                   \
    X(cuDriverGetVersion, (int *driverVersion))                                                                       \
    X(cuDeviceGetCount, (int *count))                                                                                 \
    X(cuDeviceGet, (CUdevice * device, int ordinal))                                                                  \
    X(cuDeviceGetName, (char *name, int len, CUdevice dev))                                                           \
    X(cuDeviceGetAttribute, (int *pi, CUdevice_attribute attrib, CUdevice dev))                                       \
    X(cuDeviceTotalMem_v2, (size_t * bytes, CUdevice dev))                                                            \
    X(cuDevicePrimaryCtxRetain, (CUcontext * pctx, CUdevice dev))                                                     \
    X(cuDevicePrimaryCtxRelease_v2, (CUdevice dev))                                                                   \
    X(cuDevicePrimaryCtxGetState, (CUdevice dev, unsigned int *flags, int *active))                                   \
    X(cuCtxSetCurrent, (CUcontext ctx))                                                                               \
    X(cuCtxGetCurrent, (CUcontext * pctx))                                                                            \
    X(cuCtxGetDevice, (CUdevice * device))                                                                            \
    X(cuCtxSynchronize, (void))                                                                                       \
    X(cuGetErrorName, (CUresult error, const char **pStr))                                                            \
    X(cuGetErrorString, (CUresult error, const char **pStr))                                                          \
    X(cuStreamCreate, (CUstream * phStream, unsigned int Flags))                                                      \
    X(cuStreamDestroy_v2, (CUstream hStream))                                                                         \
    X(cuStreamSynchronize, (CUstream hStream))                                                                        \
    X(cuStreamQuery, (CUstream hStream))                                                                              \
    X(cuStreamBeginCapture_v2, (CUstream hStream, CUstreamCaptureMode mode))                                          \
    X(cuStreamEndCapture, (CUstream hStream, CUgraph * phGraph))                                                      \
    X(cuStreamIsCapturing, (CUstream hStream, CUstreamCaptureStatus * captureStatus))                                 \
    X(cuModuleLoadData, (CUmodule * module, const void *image))                                                       \
    X(cuModuleGetFunction, (CUfunction * hfunc, CUmodule hmod, const char *name))                                     \
    X(cuModuleUnload, (CUmodule hmod))                                                                                \
    X(cuMemAlloc_v2, (CUdeviceptr * dptr, size_t bytesize))                                                           \
    X(cuMemFree_v2, (CUdeviceptr dptr))                                                                               \
    X(cuMemAllocHost_v2, (void **pp, size_t bytesize))                                                                \
    X(cuMemHostAlloc, (void **pp, size_t bytesize, unsigned int Flags))                                               \
    X(cuMemFreeHost, (void *p))                                                                                       \
    X(cuMemGetInfo_v2, (size_t * free, size_t * total))                                                               \
    X(cuMemcpyHtoD_v2, (CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount))                                \
    X(cuMemcpyDtoH_v2, (void *dstHost, CUdeviceptr srcDevice, size_t ByteCount))                                      \
    X(cuMemcpyHtoDAsync_v2, (CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream))         \
    X(cuMemcpyDtoHAsync_v2, (void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream))               \
    X(cuMemsetD32_v2, (CUdeviceptr dstDevice, unsigned int ui, size_t N))                                             \
    X(cuMemsetD32Async, (CUdeviceptr dstDevice, unsigned int ui, size_t N, CUstream hStream))                         \
    X(cuLaunchKernel, (CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,              \
                       unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,                        \
                       unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra))             \
    X(cuGraphInstantiateWithFlags, (CUgraphExec * phGraphExec, CUgraph hGraph, unsigned long long flags))             \
    X(cuGraphLaunch, (CUgraphExec hGraphExec, CUstream hStream))                                                      \
    X(cuGraphExecDestroy, (CUgraphExec hGraphExec))                                                                   \
    X(cuGraphDestroy, (CUgraph hGraph))

#endif
