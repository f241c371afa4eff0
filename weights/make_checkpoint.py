"""Write a randomly initialised SoundStorm checkpoint: DIR/config.json + DIR/model.safetensors.

Usage:
    /usr/bin/python3 weights/make_checkpoint.py --out DIR --seed N \
        [--config FILE.json | --preset demo|bench|paper|public] [--dtype f32|f16|bf16]

The bundled weights/demo/ was made with:
    /usr/bin/python3 weights/make_checkpoint.py --preset demo --seed 1 --out weights/demo

Initialisation (deterministic for a given seed and config; one torch.Generator, parameters drawn
in state_dict order), chosen so that every parameter changes the output and activations stay sane:
  - Linear / Conv1d weights and biases: PyTorch's defaults, U(-1/sqrt(fan_in), 1/sqrt(fan_in));
    the per-level logit matrices [Q, d, C] and biases likewise with fan_in = d (as einops' EinMix);
  - embeddings (semantic_token_emb, code_embeds): N(0, 1);
  - LayerNorm weights and ChanLayerNorm gamma: U(0.5, 1.5); LayerNorm biases: N(0, 0.1)
    (not ones/zeros, so a test catches a swapped or skipped norm).
Weights are drawn in float32 and stored as F32, F16 or BF16 (round to nearest even).
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
from safetensors_io import save_file  # noqa: E402
from soundstorm_reference import CONFIG_KEYS, SoundStormReference, check_config, parameter_count  # noqa: E402

PRESETS = {
    # the bundled demo model
    "demo": dict(dim=64, depth=2, heads=4, dim_head=16, ff_mult=4, conv_expansion_factor=2,
                 conv_kernel_size=31, num_quantizers=4, codebook_size=64, num_semantic_tokens=64,
                 semantic_rate_ratio=1, logit_head="projected"),
    # benchmark model (mid-sized, public architecture)
    "bench": dict(dim=512, depth=6, heads=8, dim_head=64, ff_mult=4, conv_expansion_factor=2,
                  conv_kernel_size=31, num_quantizers=7, codebook_size=1024, num_semantic_tokens=1024,
                  semantic_rate_ratio=1, logit_head="projected"),
    # shape of the public checkpoint (ZhangXInFD/soundstorm-speechtokenizer, 351M parameters)
    "public": dict(dim=1024, depth=12, heads=8, dim_head=128, ff_mult=4, conv_expansion_factor=2,
                   conv_kernel_size=31, num_quantizers=7, codebook_size=1024, num_semantic_tokens=1024,
                   semantic_rate_ratio=1, logit_head="projected"),
    # the paper's configuration (arXiv 2305.09636)
    "paper": dict(dim=1024, depth=12, heads=16, dim_head=64, ff_mult=4, conv_expansion_factor=2,
                  conv_kernel_size=5, num_quantizers=12, codebook_size=1024, num_semantic_tokens=1024,
                  semantic_rate_ratio=2, logit_head="dense"),
}

NORM_WEIGHT_SUFFIXES = (".norm.weight", "conv.net.0.weight", "post_norm.weight", "to_logits.0.weight",
                        "conv.net.6.gamma")
NORM_BIAS_SUFFIXES = (".norm.bias", "conv.net.0.bias", "post_norm.bias", "to_logits.0.bias")
EMBEDDINGS = ("semantic_token_emb.weight", "net.code_embeds.weight")


def _fan_in(name, sd):
    """fan_in of the weight that a parameter belongs to."""
    if name.startswith("net.to_logits.2."):
        return sd["net.to_logits.2.weight"].shape[1]          # [Q, d, C]: fan_in d
    w = sd[name[:-len("bias")] + "weight"] if name.endswith(".bias") else sd[name]
    return int(math.prod(w.shape[1:]))                        # Linear [out,in], Conv1d [out,in/g,k]


def init_parameters(model, seed):
    """Fill every parameter of `model` (float32) deterministically from `seed`."""
    g = torch.Generator().manual_seed(seed)
    sd = model.state_dict()
    with torch.no_grad():
        for name, p in sd.items():
            if name in EMBEDDINGS:
                p.normal_(0.0, 1.0, generator=g)
            elif name.endswith(NORM_WEIGHT_SUFFIXES):
                p.uniform_(0.5, 1.5, generator=g)
            elif name.endswith(NORM_BIAS_SUFFIXES):
                p.normal_(0.0, 0.1, generator=g)
            elif name.endswith((".weight", ".bias")):
                bound = 1.0 / math.sqrt(_fan_in(name, sd))
                p.uniform_(-bound, bound, generator=g)
            else:
                raise AssertionError(f"no init rule for {name}")
    return model


def build(cfg, seed):
    model = SoundStormReference(cfg)
    return init_parameters(model, seed)


def write_checkpoint(model, out_dir, dtype="f32", metadata=None):
    os.makedirs(out_dir, exist_ok=True)
    cfg = model.config
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        f.write(json.dumps({k: cfg[k] for k in CONFIG_KEYS}) + "\n")
    meta = {"format": "pt"}
    meta.update(metadata or {})
    save_file(model.state_dict(), os.path.join(out_dir, "model.safetensors"), dtype=dtype.upper(),
              metadata=meta)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, required=True)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--config", help="config.json to use instead of a preset")
    src.add_argument("--preset", choices=sorted(PRESETS), default=None)
    ap.add_argument("--dtype", choices=("f32", "f16", "bf16"), default="f32")
    a = ap.parse_args(argv)
    if a.config:
        with open(a.config) as f:
            cfg = check_config(json.load(f))
        origin = os.path.basename(a.config)
    else:
        preset = a.preset or "demo"
        cfg = dict(PRESETS[preset])
        origin = "preset " + preset
    model = build(cfg, a.seed)
    write_checkpoint(model, a.out, a.dtype, {"generator": "weights/make_checkpoint.py", "seed": str(a.seed),
                                            "config": origin, "init": "random"})
    size = os.path.getsize(os.path.join(a.out, "model.safetensors"))
    print(f"{a.out}: {origin}, seed {a.seed}, {parameter_count(model):,} parameters, "
          f"{a.dtype.upper()}, model.safetensors {size:,} bytes")


if __name__ == "__main__":
    main()
