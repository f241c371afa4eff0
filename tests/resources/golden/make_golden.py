"""Golden data for the Java model tests: random small checkpoints, decoding-like inputs and the
reference logits of every level.

Usage (from the repository root; this is the command that produced the committed files):
    /usr/bin/python3 tests/resources/golden/make_golden.py

Writes two cases under tests/resources/golden/ (deterministic: fixed seeds), each a directory with
    config.json, model.safetensors (F32)        the checkpoint (weights/make_checkpoint.py's init)
    semantic.npy   int64 [B, T]                 semantic ids at the codec frame rate
    acoustic.npy   int64 [B, T, Q]              acoustic ids in [0, C]; C = mask id
    lengths.npy    int64 [B]                    valid frames per sequence
    logits_level{q}.npy float32 [B, T, C]       for every level q in 0..Q-1
- public_small: projected head, d 64, depth 2, 4 heads x 16, ff 4, E 2, K 31, Q 4, C 64, S 50;
  B 2, T 40, lengths (40, 27). Sequence 0: a 6-frame prompt (all levels real), then level 0
  real, level 1 partly masked, levels 2-3 mask (decoding level 1). Sequence 1: no prompt, level 0
  mostly masked, levels 1-3 mask (decoding level 0). Its frames 27..39 hold random garbage ids
  (valid range, mask id included) that must not change anything.
- paper_small: dense head, d 48, depth 2, 3 heads x 16, ff 2, E 2, K 5, Q 3, C 37, S 29, ratio 2;
  B 1, T 23: a 4-frame prompt, level 0 real, level 1 partly masked, level 2 mask. Its semantic ids
  are 12 semantic-rate ids each repeated twice (cut to 23 frames), as the ratio 2 implies;
  semantic_lowrate.npy int64 [B, 12] holds the ids before repetition.
The logits of sequence b are those of that sequence run ALONE on its first lengths[b] frames
(rows beyond are 0), computed in float64 by weights/reference/soundstorm_reference.py from the
F32 weights as stored, then cast to float32. As a self-check the float32 reference must agree
with the float64 one to 1e-5 (printed with the max abs logit).
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "weights"))
sys.path.insert(0, os.path.join(ROOT, "weights", "reference"))
from make_checkpoint import build, write_checkpoint  # noqa: E402
from soundstorm_reference import load_model  # noqa: E402

PUBLIC_SMALL = dict(dim=64, depth=2, heads=4, dim_head=16, ff_mult=4, conv_expansion_factor=2,
                    conv_kernel_size=31, num_quantizers=4, codebook_size=64, num_semantic_tokens=50,
                    semantic_rate_ratio=1, logit_head="projected")
PAPER_SMALL = dict(dim=48, depth=2, heads=3, dim_head=16, ff_mult=2, conv_expansion_factor=2,
                   conv_kernel_size=5, num_quantizers=3, codebook_size=37, num_semantic_tokens=29,
                   semantic_rate_ratio=2, logit_head="dense")


def decoding_state(g, n, q_levels, c, level, masked_frac, prompt):
    """[n, Q] ids as during decoding of `level`: frames < prompt all real; after the prompt, levels
    < level real, `level` with round(masked_frac * (n - prompt)) random positions masked, finer
    levels all mask (id c)."""
    ids = torch.randint(0, c, (n, q_levels), generator=g)
    ids[prompt:, level + 1:] = c
    body = n - prompt
    k = int(round(masked_frac * body))
    pos = torch.randperm(body, generator=g)[:k] + prompt
    ids[pos, level] = c
    return ids


def make_case(name, cfg, model_seed, input_seed, lengths, t, states, ratio_lowrate=None):
    out = os.path.join(HERE, name)
    write_checkpoint(build(cfg, model_seed), out, "f32",
                     {"generator": "tests/resources/golden/make_golden.py", "seed": str(model_seed),
                      "config": name, "init": "random"})
    model = load_model(out)  # the weights as stored
    q, c, s = cfg["num_quantizers"], cfg["codebook_size"], cfg["num_semantic_tokens"]
    g = torch.Generator().manual_seed(input_seed)
    b = len(lengths)
    # garbage everywhere first (valid ranges; acoustic includes the mask id), then real content
    acoustic = torch.randint(0, c + 1, (b, t, q), generator=g)
    semantic = torch.randint(0, s, (b, t), generator=g)
    lowrate = []
    for i, (n, (level, frac, prompt)) in enumerate(zip(lengths, states)):
        acoustic[i, :n] = decoding_state(g, n, q, c, level, frac, prompt)
        if ratio_lowrate:
            low = torch.randint(0, s, ((n + ratio_lowrate - 1) // ratio_lowrate,), generator=g)
            semantic[i, :n] = low.repeat_interleave(ratio_lowrate)[:n]
            lowrate.append(low)
        else:
            semantic[i, :n] = torch.randint(0, s, (n,), generator=g)
    lengths_t = torch.tensor(lengths, dtype=torch.int64)
    np.save(os.path.join(out, "semantic.npy"), semantic.numpy().astype(np.int64))
    np.save(os.path.join(out, "acoustic.npy"), acoustic.numpy().astype(np.int64))
    np.save(os.path.join(out, "lengths.npy"), lengths_t.numpy())
    if ratio_lowrate:
        np.save(os.path.join(out, "semantic_lowrate.npy"), torch.stack(lowrate).numpy().astype(np.int64))
    m64, m32 = load_model(out, torch.float64), model
    worst_diff, max_abs = 0.0, 0.0
    for level in range(q):
        ref = m64.logits_for_level(acoustic, semantic, lengths_t, level)
        f32 = m32.logits_for_level(acoustic, semantic, lengths_t, level)
        worst_diff = max(worst_diff, (f32.double() - ref).abs().max().item())
        max_abs = max(max_abs, ref.abs().max().item())
        np.save(os.path.join(out, f"logits_level{level}.npy"), ref.float().numpy())
    ok = worst_diff < 1e-5
    masked = (acoustic == c).sum().item()
    print(f"{name}: B {b} T {t} lengths {lengths}, {masked} mask ids of {acoustic.numel()}; "
          f"max |logit| {max_abs:.4f}; max |fp32 - fp64| {worst_diff:.2e} ({'ok' if ok else 'FAIL'})")
    if not ok:
        sys.exit(f"{name}: float32 and float64 references disagree by {worst_diff:.2e}")


def main():
    torch.set_num_threads(1)
    make_case("public_small", PUBLIC_SMALL, model_seed=11, input_seed=101, lengths=[40, 27], t=40,
              states=[(1, 0.5, 6), (0, 0.7, 0)])
    make_case("paper_small", PAPER_SMALL, model_seed=12, input_seed=102, lengths=[23], t=23,
              states=[(1, 0.4, 4)], ratio_lowrate=2)
    # the committed config.json must be exactly the dicts above
    for name, cfg in (("public_small", PUBLIC_SMALL), ("paper_small", PAPER_SMALL)):
        with open(os.path.join(HERE, name, "config.json")) as f:
            assert json.load(f) == cfg


if __name__ == "__main__":
    main()
