#!/usr/bin/env bash
# Builds the CUDA fatbin into OUTPUT_DIR with cmake/CMakeLists.txt, or says why not and succeeds:
# a jar built without nvcc has no CUDA kernels, and the CUDA backend reports exactly that.
# SOUNDSTORM4J_REQUIRE_NVCC=1 (CI) turns a missing nvcc or cmake into an error.
#   bash cmake/build-kernels.sh OUTPUT_DIR BUILD_DIR
set -euo pipefail
out=${1:?output directory}
build=${2:?build directory}
root=$(cd "$(dirname "$0")/.." && pwd)
skip() {
  if [ "${SOUNDSTORM4J_REQUIRE_NVCC:-0}" = 1 ]; then
    echo "[cuda] $1 not found and SOUNDSTORM4J_REQUIRE_NVCC=1: failing the build" >&2
    exit 1
  fi
  echo "[cuda] $1 not found: no CUDA kernels in this build (the cuda backend will say so)"
  exit 0
}
command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ] || skip nvcc
command -v cmake >/dev/null || skip cmake
cmake -S "$root/cmake" -B "$build" -DOUTPUT_DIR="$out" >/dev/null
cmake --build "$build"
