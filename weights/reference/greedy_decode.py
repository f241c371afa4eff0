"""The paper's level-wise decoding schedule, written out plainly in PyTorch with greedy choices, to
check the Java decoder against (docs/QUALITY.md, QualityTest).

Greedy choices: every drawn token is the argmax, its confidence its log-probability, no Gumbel
noise; this is what the Java decoder does with a vanishing temperature and choice temperature 0
(`--temperature 0.0001 --choice-temperature 0`). Per level q with S_q iterations over the N
non-prompt frames (all sequences of the batch have the same N here): before iteration i, r_i frames
are masked; keep masked m_i = min(floor(N cos(pi/2 (i+1)/S)), r_i - 1) least confident (0 after the
last iteration), commit the rest; committed frames and the prompt are never touched again; finer
levels stay the mask id until their turn.

Usage (writes int64 [B, N, Q]):
    /usr/bin/python3 weights/reference/greedy_decode.py --weights weights/trained --steps 16,1,1,1 \
        --out tests/resources/golden/trained_greedy/tokens_16.npy
"""
import argparse
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soundstorm_reference import load_model  # noqa: E402


@torch.no_grad()
def decode(model, semantic_frames, prompt, n, steps):
    """semantic_frames [B, P+N] (codec rate), prompt [B, P, Q] -> tokens [B, N, Q]."""
    bsz, p, nq = prompt.shape
    x = torch.full((bsz, p + n, nq), model.mask_id, dtype=torch.long)
    x[:, :p] = prompt
    for q in range(nq):
        masked = torch.ones(bsz, n, dtype=torch.bool)
        s = steps[q]
        for i in range(s):
            logp = torch.log_softmax(model(x, semantic_frames, level=q)[:, p:].double(), -1)
            conf, tok = logp.max(-1)
            remaining = int(masked[0].sum())
            keep = 0 if i == s - 1 else min(math.floor(n * math.cos(math.pi / 2 * (i + 1) / s)), remaining - 1)
            conf = conf.masked_fill(~masked, float("inf"))
            for b in range(bsz):
                order = torch.argsort(conf[b], stable=True)        # least confident first
                commit = masked[b].clone()
                commit[order[:keep]] = False
                x[b, p:, q] = torch.where(commit, tok[b], x[b, p:, q])
                masked[b] &= ~commit
    return x[:, p:]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Greedy reference decoding of the bundled examples.")
    ap.add_argument("--weights", default="weights/trained")
    ap.add_argument("--steps", default="16,1,1,1")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    model = load_model(a.weights)
    ratio = model.config["semantic_rate_ratio"]
    w = a.weights
    sem = np.load(os.path.join(w, "example_semantic.npy"))
    psem = np.load(os.path.join(w, "example_prompt_semantic.npy"))
    pac = np.load(os.path.join(w, "example_prompt_acoustic.npy"))
    frames = torch.from_numpy(np.repeat(np.concatenate([psem, sem], 1), ratio, axis=1))
    steps = [int(v) for v in a.steps.split(",")]
    out = decode(model, frames, torch.from_numpy(pac), sem.shape[1] * ratio, steps).numpy().astype(np.int64)
    np.save(a.out, out)
    print(f"{a.out}: {list(out.shape)}, steps {steps}")


if __name__ == "__main__":
    main()
