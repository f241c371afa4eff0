#!/usr/bin/env bash
# Compiles every portable kernel as CUDA with nvcc (sm_80 and sm_90) and, when clang-15 is there,
# lints it as OpenCL C 1.2, failing on any error or warning. A kernel bug shows here without a GPU.
#   bash kernels/check.sh
set -euo pipefail
cd "$(dirname "$0")"
# every -D size the kernels take, at the values the backends use
DEFINES=(-DNORM_GROUP=64 -DMATMUL_TILE=16 -DHEAD_DIM=64 -DATT_QUERIES=32 -DATT_KEYS=32 -DTOPK_MAX=64)
status=0
for f in *.clh; do
  if command -v nvcc >/dev/null; then
    for arch in 80 90; do
      if ! nvcc -x cu -std=c++17 -arch=sm_$arch -c -o /dev/null -Werror all-warnings "${DEFINES[@]}" "$f"; then
        echo "nvcc sm_$arch: $f FAILED" >&2
        status=1
      fi
    done
  else
    echo "nvcc not found: CUDA compile check skipped" >&2
  fi
  if command -v clang-15 >/dev/null; then
    if ! clang-15 -x cl -cl-std=CL1.2 -Xclang -finclude-default-header -fsyntax-only -Werror "${DEFINES[@]}" "$f"; then
      echo "clang OpenCL C 1.2: $f FAILED" >&2
      status=1
    fi
  fi
done
[ $status -eq 0 ] && echo "kernels/check.sh: $(ls *.clh | wc -l) kernels compiled with nvcc (sm_80, sm_90) and linted as OpenCL C 1.2"
exit $status
