"""Train the reference SoundStorm network on the synthetic corpus (weights/corpus.py) with the
paper's masking scheme, and export config.json + model.safetensors (F32).

The masking scheme, arXiv 2305.09636 section 3.2, per training sequence of T frames:
  - a prompt delimiter t ~ U{0, ..., T-1}: frames before t are the prompt, unmasked at all levels;
  - the current RVQ level q ~ U{0, ..., Q-1};
  - a mask M over the frames >= t of level q: u ~ U[0, 1), p = cos(pi/2 * u), M_i ~ Bernoulli(p)
    for each non-prompt frame i (at least one frame masked: if the draw masks none, one
    non-prompt frame drawn uniformly is masked);
  - the acoustic input: levels < q unmasked everywhere; level q masked (id C) where M; levels > q
    masked at every frame >= t;
  - loss: cross-entropy of level q's logits on the masked frames of level q only (mean over all
    masked tokens of the batch).
Readings: the paper writes u ~ U[0, pi/2], p = cos(u) (the same distribution of p) and masks
"t' > t"; here the prompt is the frames before t (t frames, 0 to T-1), so every sequence has at
least one frame to learn from, as docs/ARCHITECTURE.md, "Decoding" and the Java decoder place the prompt. The
"at least one masked frame" fallback only avoids an empty loss (the draw masks nothing with
probability (1-p)^(T-t), rare except for a prompt ending in the last frames).
Semantic ids are fed at the codec frame rate, each id repeated semantic_rate_ratio (2) times,
exactly as the Java SoundStorm facade upsamples them. Every batch holds sequences of one length
(50 to 200 frames, drawn per batch), so no padding is involved. Data is drawn fresh for every
step from the corpus (no epochs, no overfitting); held-out examples use another seed stream.

Optimiser: AdamW (betas 0.9, 0.98, weight decay 0.01), linear warm-up then cosine decay to 0,
gradient clipping at 1.0. Deterministic for a given --seed and thread count.

Single process (CPU, 2 threads), the command that made weights/trained/ (939 s on 2 threads):
    /usr/bin/python3 weights/train.py --out weights/trained --seed 1 --steps 4000
Data-parallel (DistributedDataParallel, gloo backend; each rank draws its own batches from
seed + rank, gradients are averaged, rank 0 exports):
    torchrun --nproc_per_node=4 weights/train.py --out /tmp/trained_ddp --seed 1 --steps 4000
(the per-rank batch stays --batch, so the global batch is nproc x --batch; that is a different
training run from the single-process one, not a faster way to the same weights; not run here).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
sys.path.insert(0, HERE)
import corpus  # noqa: E402
from make_checkpoint import init_parameters, write_checkpoint  # noqa: E402
from soundstorm_reference import SoundStormReference, parameter_count  # noqa: E402

CONFIG = dict(dim=64, depth=3, heads=4, dim_head=16, ff_mult=4, conv_expansion_factor=2,
              conv_kernel_size=5, num_quantizers=corpus.Q, codebook_size=corpus.C,
              num_semantic_tokens=corpus.V, semantic_rate_ratio=corpus.RATIO, logit_head="dense")


def init_for_training(model, seed):
    """make_checkpoint's random init, with the norms reset to identity (weight 1, bias 0) and
    smaller embeddings, the usual starting point for training."""
    init_parameters(model, seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("norm.weight", "conv.net.0.weight", "to_logits.0.weight", "conv.net.6.gamma")):
                p.fill_(1.0)
            elif name.endswith(("norm.bias", "conv.net.0.bias", "to_logits.0.bias")):
                p.zero_()
            elif name in ("semantic_token_emb.weight", "net.code_embeds.weight"):
                p.mul_(0.5)
    return model


def mask_batch(acoustic, gen, mask_id):
    """The paper's masking for a batch [B, T, Q] (long). Returns (input ids, level per sequence [B],
    loss mask [B, T] over the frames of that level)."""
    bsz, t_len, nq = acoustic.shape
    delim = torch.randint(0, t_len, (bsz,), generator=gen)
    level = torch.randint(0, nq, (bsz,), generator=gen)
    u = torch.rand(bsz, generator=gen)
    p = torch.cos(math.pi / 2 * u)
    frames = torch.arange(t_len)[None, :]
    after = frames >= delim[:, None]                                       # non-prompt frames
    m = (torch.rand(bsz, t_len, generator=gen) < p[:, None]) & after
    # at least one masked frame per sequence: else mask one non-prompt frame drawn uniformly
    pick = delim + (torch.rand(bsz, generator=gen) * (t_len - delim)).long().clamp(max=t_len - 1 - delim)
    none = ~m.any(dim=1)
    m[none, pick[none]] = True
    levels = torch.arange(nq)[None, None, :]
    finer = (levels > level[:, None, None]) & after[:, :, None]
    this = (levels == level[:, None, None]) & m[:, :, None]
    x = acoustic.masked_fill(finer | this, mask_id)
    return x, level, m


def self_test(n=4000, t_len=60, nq=4, mask_id=32):
    """Checks mask_batch against the scheme: prompt intact at every level, coarser levels intact,
    finer levels masked after the delimiter, level q's masked fraction of the non-prompt frames with
    mean E[cos(pi/2 u)] = 2/pi, delimiter and level uniform, loss positions = masked frames of q."""
    gen = torch.Generator().manual_seed(0)
    ac = torch.randint(0, mask_id, (n, t_len, nq), generator=gen)
    x, level, m = mask_batch(ac, gen, mask_id)
    fractions, delims = [], []
    for b in range(n):
        q = int(level[b])
        masked_any = (x[b] == mask_id).any(dim=1)
        d = int(masked_any.nonzero()[0]) if masked_any.any() else t_len
        assert m[b].any() and int(m[b].nonzero()[0]) >= d, "loss only after the delimiter"
        assert torch.equal(x[b, :d], ac[b, :d]), "prompt intact at every level"
        assert torch.equal(x[b, :, :q], ac[b, :, :q]), "coarser levels intact"
        assert (x[b, d:, q + 1:] == mask_id).all(), "finer levels masked after the delimiter"
        assert torch.equal(x[b, :, q] == mask_id, m[b]), "level q masked exactly where the loss is"
        fractions.append(m[b, d:].float().mean().item())
        delims.append(d)
    mean_fraction = sum(fractions) / n
    assert abs(mean_fraction - 2 / math.pi) < 0.02, mean_fraction
    counts = torch.bincount(level, minlength=nq).float() / n
    assert (counts - 1 / nq).abs().max() < 0.03, counts
    print(f"mask_batch self-test ok: masked fraction {mean_fraction:.3f} (2/pi = {2 / math.pi:.3f}), "
          f"levels {[round(c, 3) for c in counts.tolist()]}, mean first masked frame {sum(delims) / n:.1f}")


def loss_on(model, acoustic, semantic_frames, gen, mask_id):
    x, level, m = mask_batch(acoustic, gen, mask_id)
    logits = model(x, semantic_frames)                                     # [B, T, Q, C]
    bsz = acoustic.shape[0]
    rows = torch.arange(bsz)
    lv = logits[rows, :, level]                                            # [B, T, C]
    target = acoustic[rows, :, level]                                      # [B, T]
    return F.cross_entropy(lv[m], target[m])


def lr_at(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


@torch.no_grad()
def evaluate(model, seed, batches=4, batch=16):
    """Teacher-forced accuracy per level on held-out data: level q predicted with levels < q true and
    levels >= q masked after a prompt of a quarter of the frames (level 0: content part x0 >> 1)."""
    model.eval()
    rng = np.random.default_rng([seed, 555])
    hits, counts = np.zeros(corpus.Q), np.zeros(corpus.Q)
    for _ in range(batches):
        sem, ac, _ = corpus.sample_batch(rng, batch, 60)
        ac = torch.from_numpy(ac)
        s = torch.from_numpy(corpus.upsample(sem))
        pf = ac.shape[1] // 4
        for q in range(corpus.Q):
            x = ac.clone()
            x[:, pf:, q:] = model.mask_id
            pred = model(x, s, level=q).argmax(-1)[:, pf:]
            truth = ac[:, pf:, q]
            if q == 0:
                pred, truth = pred >> 1, truth >> 1
            hits[q] += (pred == truth).sum().item()
            counts[q] += truth.numel()
    model.train()
    return hits / counts


def main(argv=None):
    ap = argparse.ArgumentParser(description="Train SoundStorm on the synthetic corpus (paper's masking).")
    ap.add_argument("--out", help="output directory (required unless --self-test)")
    ap.add_argument("--self-test", action="store_true", help="check the masking scheme and exit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-frames", type=int, default=50)
    ap.add_argument("--max-frames", type=int, default=200)
    ap.add_argument("--log-every", type=int, default=100)
    a = ap.parse_args(argv)
    if a.self_test:
        self_test()
        return
    if not a.out:
        ap.error("--out is required")

    torch.set_num_threads(a.threads)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if world > 1:
        torch.distributed.init_process_group("gloo")
    torch.manual_seed(a.seed)
    model = init_for_training(SoundStormReference(CONFIG), a.seed)        # same init on every rank
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.01)
    rng = np.random.default_rng([a.seed, rank])                           # corpus draws of this rank
    gen = torch.Generator().manual_seed(a.seed * 1000 + rank)             # masking draws of this rank
    lo, hi = a.min_frames // corpus.RATIO, a.max_frames // corpus.RATIO
    if rank == 0:
        print(f"config {json.dumps(CONFIG)}; {parameter_count(model):,} parameters; world {world}", flush=True)
    t0 = time.time()
    running = 0.0
    for step in range(a.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, a.steps, a.lr, a.warmup)
        n_sem = int(rng.integers(lo, hi + 1))
        sem, ac, _ = corpus.sample_batch(rng, a.batch, n_sem)
        loss = loss_on(net, torch.from_numpy(ac), torch.from_numpy(corpus.upsample(sem)), gen, model.mask_id)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running += loss.item()
        if rank == 0 and (step + 1) % a.log_every == 0:
            print(f"step {step + 1}/{a.steps} loss {running / a.log_every:.4f} lr {lr_at(step, a.steps, a.lr, a.warmup):.2e} "
                  f"{time.time() - t0:.0f} s", flush=True)
            running = 0.0
    seconds = time.time() - t0
    if rank == 0:
        acc = evaluate(model, a.seed)
        print("teacher-forced held-out accuracy per level (level 0: content):", " ".join(f"{v:.4f}" for v in acc))
        print(f"best achievable:                                             ",
              " ".join(f"{v:.4f}" for v in corpus.best_accuracy()))
        write_checkpoint(model, a.out, "f32", {"generator": "weights/train.py", "seed": str(a.seed),
                                             "steps": str(a.steps), "batch": str(a.batch * world),
                                             "corpus": "weights/corpus.py", "init": "trained"})
        print(f"trained {a.steps} steps in {seconds:.0f} s on {world} process(es) x {a.threads} threads; "
              f"wrote {a.out}/config.json, model.safetensors", flush=True)
    if world > 1:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
