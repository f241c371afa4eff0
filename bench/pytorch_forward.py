"""Time the PyTorch reference forward pass (the peer for the Java forward benchmarks).

Usage:
    OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_forward.py --weights DIR --frames N \
        [--batch B] [--threads 2] [--warmup 2] [--repeats 7] [--level 0] [--one-level] [--json]

Loads DIR/config.json + DIR/model.safetensors (F32, F16 or BF16; computed in float32) with
weights/reference/, draws random inputs as during decoding of --level (coarser levels real, that
level half masked, finer levels the mask id; fixed seed) and times one forward pass under
torch.inference_mode(). By default every pass computes the logits of all Q levels, as the public
model does; --one-level computes only --level's head. Reports median, min and max over --repeats
timed passes after --warmup untimed ones; --json prints one line of JSON.

glibc's malloc returns large temporaries to the OS with munmap and page-faults them back on every
pass; unless MALLOC_MMAP_THRESHOLD_ is already set (or --no-malloc-tune is given) the script
re-executes itself with MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ raised so that
PyTorch runs at its best (the JSON says which).

Bench checkpoint used for the figures in the docs (not committed, 204 MB):
    /usr/bin/python3 weights/make_checkpoint.py --preset bench --seed 7 --out /tmp/bench
    OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_forward.py --weights /tmp/bench --frames 250 --json
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 31)}


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description="time the PyTorch reference forward pass")
    ap.add_argument("--weights", required=True, help="directory with config.json and model.safetensors")
    ap.add_argument("--frames", type=int, required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--level", type=int, default=0, help="decoding level the inputs imitate")
    ap.add_argument("--one-level", action="store_true", help="compute only --level's logits")
    ap.add_argument("--no-malloc-tune", action="store_true", help="keep glibc's default malloc thresholds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    if not a.no_malloc_tune and "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        env = dict(os.environ, **MALLOC_ENV)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "reference"))
    from soundstorm_reference import load_model, parameter_count
    from safetensors_io import read_header

    torch.set_num_threads(a.threads)
    model = load_model(a.weights, torch.float32)
    cfg = model.config
    q, c, s = cfg["num_quantizers"], cfg["codebook_size"], cfg["num_semantic_tokens"]
    if not 0 <= a.level < q:
        sys.exit(f"--level must lie in [0, {q - 1}]")
    g = torch.Generator().manual_seed(a.seed)
    acoustic = torch.randint(0, c, (a.batch, a.frames, q), generator=g)
    acoustic[:, :, a.level + 1:] = c
    acoustic[:, :, a.level][torch.rand(a.batch, a.frames, generator=g) < 0.5] = c
    semantic = torch.randint(0, s, (a.batch, a.frames), generator=g)
    level = a.level if a.one_level else None

    times = []
    with torch.inference_mode():
        for i in range(a.warmup + a.repeats):
            t0 = time.perf_counter()
            logits = model(acoustic, semantic, level=level)
            dt = (time.perf_counter() - t0) * 1e3
            if i >= a.warmup:
                times.append(dt)
    assert torch.isfinite(logits).all()
    header, _, _ = read_header(os.path.join(a.weights, "model.safetensors"))
    stored = sorted({v["dtype"] for v in header.values()})
    res = {
        "forward_ms_median": round(statistics.median(times), 3),
        "forward_ms_min": round(min(times), 3),
        "forward_ms_max": round(max(times), 3),
        "frames": a.frames, "batch": a.batch, "threads": a.threads,
        "torch_version": torch.__version__,
        "heads": "one" if a.one_level else "all", "level": a.level,
        "warmup": a.warmup, "repeats": a.repeats,
        "weights": os.path.abspath(a.weights), "stored_dtype": ",".join(stored), "compute_dtype": "float32",
        "parameters": parameter_count(model), "config": cfg,
        "malloc_tuned": "MALLOC_MMAP_THRESHOLD_" in os.environ,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "cpu": _cpu_name(), "python": platform.python_version(),
    }
    if a.json:
        print(json.dumps(res))
    else:
        print(f"{a.weights}: {res['parameters']:,} params, B {a.batch} x {a.frames} frames, "
              f"{a.threads} threads, heads {res['heads']}: forward median {res['forward_ms_median']:.1f} ms "
              f"(min {res['forward_ms_min']:.1f}, max {res['forward_ms_max']:.1f}) over {a.repeats}; "
              f"torch {torch.__version__}, malloc tuned {res['malloc_tuned']}")


if __name__ == "__main__":
    main()
