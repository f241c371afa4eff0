#!/usr/bin/env bash
# Forward-pass time of soundstorm4j's CPU backend beside the PyTorch reference and the same network
# under ONNX Runtime Java (same weights, same shapes, same machine, one run), as a Markdown table
# for docs/BENCHMARKS.md.
#
#   bash bench/compare_cpu.sh [frames ...]       (default: 250 750 1500)
#
# Needs Debian's python3-torch and libopenblas0-openmp, and a built target/soundstorm4j.jar.
# Makes the benchmark model (d 512, depth 6, 8 x 64 heads, ff 4, E 2, K 31, Q 7, C 1024; random
# weights, seed 7) in target/bench-model the first time.
# ONNX Runtime columns: need the jar in target/ort (or ORT_JAR=path), fetched once with
#   mvn -B -q dependency:copy -Dartifact=com.microsoft.onnxruntime:onnxruntime:1.29.0 -DoutputDirectory=target/ort
# without it they are left out (with a note on stderr). The ONNX models (all heads, and level 0's
# head only) are exported by bench/export_onnx.py into target/ort when missing or older than the
# weights. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
MODEL=target/bench-model
THREADS=2
REPEATS=${REPEATS:-7}
frames=("$@")
[ ${#frames[@]} -gt 0 ] || frames=(250 750 1500)

[ -f target/soundstorm4j.jar ] || { echo "build first: mvn -q package -DskipTests" >&2; exit 1; }
[ -f $MODEL/model.safetensors ] || /usr/bin/python3 weights/make_checkpoint.py --preset bench --seed 7 --out $MODEL >&2

ORT_JAR=${ORT_JAR:-$(ls target/ort/onnxruntime-[0-9]*.jar 2>/dev/null | sort -V | tail -1)}
ort=""
if [ -n "$ORT_JAR" ] && [ -f "$ORT_JAR" ]; then
  ort_version=$(basename "$ORT_JAR" .jar); ort_version=${ort_version#onnxruntime-}
  for heads in all level0; do
    onnx=target/ort/bench-$heads.onnx
    if [ ! -f $onnx ] || [ ! -f $onnx.json ] || [ $MODEL/model.safetensors -nt $onnx ]; then
      mkdir -p target/ort
      opt=--all-heads; [ $heads = all ] || opt="--level 0"
      /usr/bin/python3 bench/export_onnx.py --weights $MODEL --out $onnx $opt >$onnx.log 2>&1 \
        || { cat $onnx.log >&2; exit 1; }
      grep '^wrote' $onnx.log >&2 || true
    fi
  done
  ort=yes
else
  echo "note: no ONNX Runtime jar in target/ort (nor ORT_JAR): ORT columns left out; fetch it with" >&2
  echo "  mvn -B -q dependency:copy -Dartifact=com.microsoft.onnxruntime:onnxruntime:1.29.0 -DoutputDirectory=target/ort" >&2
fi
ort_forward() {  # model file, frames
  $JAVA --enable-native-access=ALL-UNNAMED -cp "$ORT_JAR" bench/OrtForward.java --model "$1" --frames "$2" \
    --threads $THREADS --repeats $REPEATS --json
}

field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

torch_version=$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')
if [ -n "$ort" ]; then
  echo "| frames | soundstorm4j cpu (ms) | PyTorch $torch_version, all heads (ms) | PyTorch, one head (ms) | ONNX Runtime Java $ort_version, all heads (ms) | ORT, one head (ms) | speed-up vs PyTorch all heads | speed-up vs ORT all heads |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
else
  echo "| frames | soundstorm4j cpu (ms) | PyTorch $torch_version, all heads (ms) | PyTorch, one head (ms) | speed-up vs all heads |"
  echo "|---:|---:|---:|---:|---:|"
fi
for n in "${frames[@]}"; do
  ours=$($JAVA -jar target/soundstorm4j.jar bench --weights $MODEL --frames $n --repeats $REPEATS --json 2>/dev/null | field forward_ms_median)
  torch_all=$(OMP_NUM_THREADS=$THREADS /usr/bin/python3 bench/pytorch_forward.py --weights $MODEL --frames $n --threads $THREADS --repeats $REPEATS --json | field forward_ms_median)
  torch_one=$(OMP_NUM_THREADS=$THREADS /usr/bin/python3 bench/pytorch_forward.py --weights $MODEL --frames $n --threads $THREADS --repeats $REPEATS --one-level --json | field forward_ms_median)
  ratio=$(/usr/bin/python3 -c "print(f'{$torch_all / $ours:.2f}x')")
  if [ -n "$ort" ]; then
    ort_all=$(ort_forward target/ort/bench-all.onnx $n | field forward_ms_median)
    ort_one=$(ort_forward target/ort/bench-level0.onnx $n | field forward_ms_median)
    ort_ratio=$(/usr/bin/python3 -c "print(f'{$ort_all / $ours:.2f}x')")
    echo "| $n | $ours | $torch_all | $torch_one | $ort_all | $ort_one | $ratio | $ort_ratio |"
  else
    echo "| $n | $ours | $torch_all | $torch_one | $ratio |"
  fi
done
