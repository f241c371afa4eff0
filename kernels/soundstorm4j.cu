/*
 * soundstorm4j.cu: the one CUDA translation unit cmake/CMakeLists.txt compiles into the jar's
 * fatbin: every portable kernel (the .clh files the OpenCL backend builds at run time) and the
 * CUDA-only kernels beside them. Compile-time sizes come from the -D values in CMakeLists.txt,
 * which CudaBackend's constants match.
 *
 * The portable attention takes its head size at compile time, so it is instantiated once per
 * head size in its own namespace (its helper functions stay apart) under the kernel name
 * attention_hd<D>; CudaBackend.PORTABLE_HEAD_DIMS lists the sizes. lstm_step is instantiated a
 * second time as lstm_step_bf16, reading a bf16 W_hh.
 */
#include "portable.h"
#include "philox.h"

#include "embed_sum.clh"
#include "layer_norm.clh"
#include "glu.clh"
#include "depthwise_conv_swish.clh"
#include "score_tokens.clh"
#include "commit_tokens.clh"
#include "select_rows.clh"
#include "philox_draws.clh"
#include "im2col.clh"
#include "elu.clh"
#include "add_tensors.clh"
#include "overlap_add.clh"
#include "lstm_step.clh"
#include "codebook_sum.clh"
#include "linear_epilogue.cu"
#include "attention_mma.cu"
#include "score_tokens_warp.cu"

/* the LSTM step again, reading a bf16 W_hh (BF16 products keep only the bf16 copy of a matrix) */
namespace lstm_bf16 {
#undef LSTM_WEIGHT
#undef LSTM_LOAD
#define LSTM_WEIGHT __nv_bfloat16
#define LSTM_LOAD(w) __bfloat162float(w)
#define LSTM_STEP_ONLY
#define lstm_step lstm_step_bf16
#define lstm_sigmoid lstm_sigmoid_bf16
#include "lstm_step.clh"
#undef lstm_sigmoid
#undef lstm_step
#undef LSTM_STEP_ONLY
}

namespace portable_attention_2 {
#define HEAD_DIM 2
#define attention attention_hd2
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_6 {
#define HEAD_DIM 6
#define attention attention_hd6
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_8 {
#define HEAD_DIM 8
#define attention attention_hd8
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_16 {
#define HEAD_DIM 16
#define attention attention_hd16
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_32 {
#define HEAD_DIM 32
#define attention attention_hd32
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_64 {
#define HEAD_DIM 64
#define attention attention_hd64
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_80 {
#define HEAD_DIM 80
#define attention attention_hd80
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_96 {
#define HEAD_DIM 96
#define attention attention_hd96
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
namespace portable_attention_128 {
#define HEAD_DIM 128
#define attention attention_hd128
#include "attention.clh"
#undef attention
#undef HEAD_DIM
}
