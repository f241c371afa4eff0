#!/usr/bin/env bash
# Forward-pass time of soundstorm4j's CPU backend beside the PyTorch reference (same weights, same
# shapes, same machine, one run), as a Markdown table for docs/BENCHMARKS.md.
#
#   bash bench/compare_cpu.sh [frames ...]       (default: 250 750 1500)
#
# Needs Debian's python3-torch and libopenblas0-openmp, and a built target/soundstorm4j.jar.
# Makes the benchmark model (d 512, depth 6, 8 x 64 heads, ff 4, E 2, K 31, Q 7, C 1024; random
# weights, seed 7) in target/bench-model the first time.
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

field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

echo "| frames | soundstorm4j cpu (ms) | PyTorch $( /usr/bin/python3 -c 'import torch; print(torch.__version__)'), all heads (ms) | PyTorch, one head (ms) | speed-up vs all heads |"
echo "|---:|---:|---:|---:|---:|"
for n in "${frames[@]}"; do
  ours=$($JAVA -jar target/soundstorm4j.jar bench --weights $MODEL --frames $n --repeats $REPEATS --json 2>/dev/null | field forward_ms_median)
  torch_all=$(OMP_NUM_THREADS=$THREADS /usr/bin/python3 bench/pytorch_forward.py --weights $MODEL --frames $n --threads $THREADS --repeats $REPEATS --json | field forward_ms_median)
  torch_one=$(OMP_NUM_THREADS=$THREADS /usr/bin/python3 bench/pytorch_forward.py --weights $MODEL --frames $n --threads $THREADS --repeats $REPEATS --one-level --json | field forward_ms_median)
  ratio=$(/usr/bin/python3 -c "print(f'{$torch_all / $ours:.2f}x')")
  echo "| $n | $ours | $torch_all | $torch_one | $ratio |"
done
