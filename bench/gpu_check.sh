#!/usr/bin/env bash
# On the GPU machine (after bench/gpu_bundle.sh here): the CUDA tests with -Dcuda.required=true,
# then the benchmark table of docs/BENCHMARKS.md: `bench --backend cuda` on the paper
# configuration (random weights, 1500 frames = 30 s) at batch 1 and 8, FP32 and BF16, and the
# PyTorch reference in eager mode on the same GPU, weights and shapes. Results go to $OUT (or
# target/gpu-check). Each part runs even when an earlier one failed; the exit status is the tests'.
#   bash bench/gpu_check.sh [quick]      # quick: tests only
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-target/gpu-check}
mkdir -p "$out" "$out/tmp"
java=target/jre/bin/java
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir="$out/tmp")
nvidia-smi -L | tee "$out/device.txt"
"$java" -version 2>&1 | head -1

echo "== CUDA tests (-Dcuda.required=true)"
"$java" "${flags[@]}" -Dcuda.required=true -jar target/junit/junit-platform-console-standalone.jar execute \
    -cp target/soundstorm4j.jar:target/test-classes --select-package org.soundstorm4j.backend.cuda \
    --select-class org.soundstorm4j.model.GoldenLogitsTest --details=tree --disable-banner 2>&1 | tee "$out/tests.txt"
tests=${PIPESTATUS[0]}
[ "${1:-}" = quick ] && exit "$tests"

echo "== paper model (random weights)"
python3 weights/make_checkpoint.py --preset paper --seed 7 --out /tmp/paper >/dev/null || exit "$tests"
for batch in 1 8; do
    for precision in fp32 bf16; do
        for mode in forward generate; do
            extra=(); [ $mode = generate ] && extra=(--generate --preset paper)
            "$java" "${flags[@]}" -Dsoundstorm4j.cuda.precision=$precision -jar target/soundstorm4j.jar bench \
                --backend cuda --weights /tmp/paper --frames 1500 --batch $batch --warmup 3 --repeats 10 --json \
                "${extra[@]}" | tee -a "$out/bench-java.jsonl"
        done
        python3 bench/pytorch_gpu.py --weights /tmp/paper --frames 1500 --batch $batch --dtype $precision --json \
            | tee -a "$out/bench-pytorch.jsonl"
    done
done
exit "$tests"
