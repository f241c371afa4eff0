/* fakecuda_driver_types.h: the driver API's types as the fake (and its self-test) declare them; ABI-identical to cuda.h's. */
#ifndef FAKECUDA_DRIVER_TYPES_H
#define FAKECUDA_DRIVER_TYPES_H

typedef int CUresult;
typedef int CUdevice;
typedef int CUdevice_attribute;
typedef int CUstreamCaptureMode;
typedef int CUstreamCaptureStatus;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;

#endif
