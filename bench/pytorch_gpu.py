"""Time the PyTorch reference model on a GPU in eager mode: the peer for `bench --backend cuda`.

Usage (on the GPU machine, with the checkpoint made there: the paper model is 1.4 GB):
    python3 weights/make_checkpoint.py --preset paper --seed 7 --out /tmp/paper
    python3 bench/pytorch_gpu.py --weights /tmp/paper --frames 1500 --batch 1 --dtype bf16 --json

Loads DIR with weights/reference/ onto cuda:0 in --dtype (fp32; tf32 = fp32 with TF32 matmuls
allowed; bf16 = the whole model cast to bfloat16), then times under torch.inference_mode():
  forward:    one pass returning one level's logits (what one decoding iteration needs), random
              tokens as at level 0 (half masked);
  generation: the paper's decode in eager PyTorch, 16 iterations on level 0 and 1 on each finer
              level (27 passes at Q = 12): per iteration a forward pass, Gumbel-max sampling at
              the annealed temperature (greedy on the iteration that leaves the level with nothing
              masked: its last one at these sizes, frames >= iterations), the confidence with
              annealed choice noise, the cosine schedule's least confident positions kept masked.
Each timing is bracketed by torch.cuda.synchronize(). Reports medians over --repeats after
--warmup, and torch.cuda.max_memory_allocated.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser(description="time the PyTorch reference model on a GPU (eager)")
    ap.add_argument("--weights", required=True, help="directory with config.json and model.safetensors")
    ap.add_argument("--frames", type=int, required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--dtype", choices=["fp32", "tf32", "bf16"], default="fp32")
    ap.add_argument("--first-level-steps", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cuda:0", help="torch device (cpu only to smoke-test this script)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "reference"))
    from soundstorm_reference import load_model, parameter_count

    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    if cuda and not torch.cuda.is_available():
        sys.exit("no CUDA device visible to PyTorch")
    torch.backends.cuda.matmul.allow_tf32 = a.dtype == "tf32"
    torch.backends.cudnn.allow_tf32 = a.dtype == "tf32"

    def sync():
        if cuda:
            torch.cuda.synchronize()
    model = load_model(a.weights, torch.bfloat16 if a.dtype == "bf16" else torch.float32).to(dev)
    cfg = model.config
    nq, c, s = cfg["num_quantizers"], cfg["codebook_size"], cfg["num_semantic_tokens"]
    g = torch.Generator(device=dev).manual_seed(a.seed)
    semantic = torch.randint(0, s, (a.batch, a.frames), generator=g, device=dev)

    def forward_once():
        acoustic = torch.full((a.batch, a.frames, nq), c, dtype=torch.long, device=dev)
        half = torch.rand(a.batch, a.frames, generator=g, device=dev) < 0.5
        acoustic[:, :, 0] = torch.where(half, torch.randint(0, c, (a.batch, a.frames), generator=g, device=dev), c)
        return model(acoustic, semantic, level=0)

    def gumbel(shape):
        u = torch.rand(shape, generator=g, device=dev).clamp_(1e-20, 1.0)
        return -torch.log(-torch.log(u))

    def generate():
        x = torch.full((a.batch, a.frames, nq), c, dtype=torch.long, device=dev)
        rows = torch.arange(a.batch, device=dev)[:, None]
        for q in range(nq):
            steps = a.first_level_steps if q == 0 else 1
            masked = torch.ones(a.batch, a.frames, dtype=torch.bool, device=dev)
            remaining = a.frames
            for i in range(steps):
                logits = model(x, semantic, level=q).float()
                keep = 0 if i == steps - 1 else min(math.floor(a.frames * math.cos(math.pi / 2 * (i + 1) / steps)),
                                                     remaining - 1)
                if keep == 0:
                    tok = logits.argmax(-1)
                else:
                    t = 1.0 * (1 - i / steps)
                    tok = (logits / t + gumbel(logits.shape)).argmax(-1)
                conf = torch.log_softmax(logits, -1).gather(-1, tok[..., None])[..., 0]
                noise = 4.5 * (1 - (i + 1) / steps)
                if noise != 0:
                    conf = conf + noise * gumbel(conf.shape)
                conf = conf.masked_fill(~masked, float("inf"))
                order = conf.argsort(-1)
                commit = masked.clone()
                if keep > 0:
                    commit[rows, order[:, :keep]] = False
                x[:, :, q] = torch.where(commit, tok, x[:, :, q])
                masked &= ~commit
                remaining = keep
        return x

    def timed(fn):
        times = []
        for i in range(a.warmup + a.repeats):
            sync()
            t0 = time.perf_counter()
            fn()
            sync()
            if i >= a.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
        return times

    with torch.inference_mode():
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        fwd = timed(forward_once)
        gen = timed(generate)
        if not bool((generate() < c).all()):
            sys.exit("the decode left mask tokens: the timing is not of a full generation")
    passes = a.first_level_steps + (nq - 1)
    audio_s = a.batch * a.frames / 50.0
    res = {
        "peer": "pytorch-eager", "dtype": a.dtype, "device": torch.cuda.get_device_name(dev) if cuda else "cpu",
        "frames": a.frames, "batch": a.batch, "passes": passes,
        "forward_ms_median": round(statistics.median(fwd), 3), "forward_ms_min": round(min(fwd), 3),
        "generation_ms_median": round(statistics.median(gen), 3), "generation_ms_min": round(min(gen), 3),
        "audio_s_per_s": round(audio_s / (statistics.median(gen) / 1e3), 3),
        "frames_per_s": round(a.batch * a.frames / (statistics.median(gen) / 1e3), 1),
        "gpu_memory_peak_bytes": torch.cuda.max_memory_allocated(dev) if cuda else 0,
        "parameters": parameter_count(model), "torch_version": torch.__version__,
        "warmup": a.warmup, "repeats": a.repeats,
    }
    if a.json:
        print(json.dumps(res))
    else:
        print(f"PyTorch {torch.__version__} eager {a.dtype} on {res['device']}: B {a.batch} x {a.frames} frames, "
              f"forward {res['forward_ms_median']:.2f} ms, generation ({passes} passes) "
              f"{res['generation_ms_median']:.1f} ms, {res['audio_s_per_s']:.1f} s of audio per s, "
              f"peak memory {res['gpu_memory_peak_bytes'] / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
