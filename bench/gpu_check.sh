#!/usr/bin/env bash
# On the GPU machine (after bench/gpu_bundle.sh here): the CUDA tests with -Dcuda.required=true,
# then the benchmark table of docs/BENCHMARKS.md: `bench --backend cuda` on the paper
# configuration (random weights, 1500 frames = 30 s) at batch 1 and 8, FP32 and BF16, and the
# PyTorch reference in eager mode on the same GPU, weights and shapes. Results go to $OUT (or
# target/gpu-check). Each part runs even when an earlier one failed; the exit status is the tests'.
#   bash bench/gpu_check.sh [quick]      # quick: tests only
# PRESET (default paper), FRAMES (default 1500) and REPEATS (default 10) shrink the run for a smoke
# test, e.g. on the fake CUDA driver (tests/fakecuda): PRESET=demo FRAMES=40 REPEATS=2; PYTHON picks
# the interpreter with PyTorch (default python3), TORCH_DEVICE its device (default cuda:0).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-target/gpu-check}
mkdir -p "$out"
java=target/jre/bin/java
py=${PYTHON:-python3}
mkdir -p /tmp/soundstorm4j-natives
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir=/tmp/soundstorm4j-natives)
# PyTorch's CUDA wheels carry cuBLAS outside the loader's path: point the backend at theirs if so
wheel=$("$py" -c 'import nvidia.cublas as c; print(list(c.__path__)[0] + "/lib/libcublas.so.13")' 2>/dev/null || true)
if [ -n "$wheel" ] && [ -f "$wheel" ]; then
    flags+=(-Dsoundstorm4j.cublas.library="$wheel")
fi
nvidia-smi -L | tee "$out/device.txt" || echo "no nvidia-smi" | tee "$out/device.txt"
"$java" -version 2>&1 | head -1

echo "== CUDA tests (-Dcuda.required=true)"
"$java" "${flags[@]}" -Dcuda.required=true -jar target/junit/junit-platform-console-standalone.jar execute \
    -cp target/soundstorm4j.jar:target/test-classes --select-package org.soundstorm4j.backend.cuda \
    --select-class org.soundstorm4j.model.GoldenLogitsTest --details=tree --disable-banner 2>&1 | tee "$out/tests.txt"
tests=${PIPESTATUS[0]}
[ "${1:-}" = quick ] && exit "$tests"

preset=${PRESET:-paper}
frames=${FRAMES:-1500}
repeats=${REPEATS:-10}
model=/tmp/soundstorm4j-$preset
echo "== $preset model (random weights), $frames frames"
"$py" weights/make_checkpoint.py --preset "$preset" --seed 7 --out "$model" >/dev/null || exit "$tests"
for batch in 1 8; do
    for precision in fp32 bf16; do
        for mode in forward generate; do
            extra=(); [ $mode = generate ] && extra=(--generate --preset paper)
            "$java" "${flags[@]}" -Dsoundstorm4j.cuda.precision=$precision -jar target/soundstorm4j.jar bench \
                --backend cuda --weights "$model" --frames "$frames" --batch $batch --warmup 3 --repeats "$repeats" \
                --json "${extra[@]}" | tee -a "$out/bench-java.jsonl"
        done
        "$py" bench/pytorch_gpu.py --weights "$model" --frames "$frames" --batch $batch --dtype $precision \
            --repeats "$repeats" --device "${TORCH_DEVICE:-cuda:0}" --json | tee -a "$out/bench-pytorch.jsonl"
    done
done
exit "$tests"
