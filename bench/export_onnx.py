"""Export the PyTorch reference forward pass to ONNX (the model for bench/OrtForward.java).

Usage:
    /usr/bin/python3 bench/export_onnx.py --weights DIR --out FILE.onnx [--level 0 | --all-heads]
        [--opset 17] [--max-frames 8192] [--check-dir DIR --check-frames 250]

Loads DIR/config.json + DIR/model.safetensors (computed in float32) with weights/reference/ and
traces the same arithmetic as SoundStormReference.forward:
    inputs  acoustic int64 [1, T, Q] (ids in [0, C], C = mask id), semantic int64 [1, T]
    output  logits float32 [1, T, C] of --level (default 0), or with --all-heads [1, T, Q, C]
            (every level's head, as the public model computes on every pass)
with T a dynamic axis ("frames"). Differences from calling the reference module directly, none
of which changes the function:
- layer_norm's normalized_shape is a constant (see _StaticLayerNormF);
- the input range checks (data-dependent Python branches) are left out of the graph;
- the rotary cos/sin table is computed once in float64 exactly as rotary_cos_sin does, stored
  as a float32 constant of --max-frames rows and sliced to T in the graph (so T <= --max-frames).

Next to FILE.onnx it writes FILE.onnx.json (config, head choice, opset, torch version), which
OrtForward.java reads for the semantic vocabulary size. --check-dir DIR also writes a parity
case for OrtForward.java --check: DIR/acoustic.i64, DIR/semantic.i64 (raw little-endian, inputs
drawn as bench/pytorch_forward.py draws them for level 0) and DIR/logits.f32 (PyTorch's output
for them). torch.onnx.export needs no `onnx` package; nothing here imports onnxruntime.
"""
import argparse
import json
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights", "reference"))
import soundstorm_reference  # noqa: E402
from soundstorm_reference import load_model, rotary_cos_sin  # noqa: E402


class _StaticLayerNormF:
    """torch.nn.functional for the reference module, with layer_norm's normalized_shape made a
    constant: the reference passes (x.shape[-1],), which the tracer records as a graph value,
    and the ONNX exporter of torch 1.13 needs it constant. The value is the same."""

    def __getattr__(self, name):
        return getattr(torch.nn.functional, name)

    @staticmethod
    def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
        return torch.nn.functional.layer_norm(x, tuple(int(n) for n in normalized_shape), weight, bias, eps)


soundstorm_reference.F = _StaticLayerNormF()


class ExportForward(nn.Module):
    """SoundStormReference.forward without input checks, rotary table precomputed."""

    def __init__(self, model, level, max_frames):
        super().__init__()
        self.model = model
        self.level = level
        cos, sin = rotary_cos_sin(max_frames, model.config["dim_head"], torch.float32)
        self.register_buffer("rot_cos", cos, persistent=False)
        self.register_buffer("rot_sin", sin, persistent=False)
        q = model.num_quantizers
        self.register_buffer("offsets", torch.arange(q, dtype=torch.int64) * (model.codebook_size + 1),
                             persistent=False)

    def forward(self, acoustic, semantic):
        m = self.model
        x = torch.nn.functional.embedding(acoustic + self.offsets, m.net.code_embeds.weight).sum(dim=2)
        x = x + torch.nn.functional.embedding(semantic, m.semantic_token_emb.weight)
        t = acoustic.shape[1]
        cos, sin = self.rot_cos[:t], self.rot_sin[:t]
        for block in m.net.conformer.layers:
            x = block(x, cos, sin)
        return m.head(x, self.level)


def draw_inputs(cfg, frames, level=0, seed=0):
    """The inputs bench/pytorch_forward.py draws (batch 1, fixed seed)."""
    q, c, s = cfg["num_quantizers"], cfg["codebook_size"], cfg["num_semantic_tokens"]
    g = torch.Generator().manual_seed(seed)
    acoustic = torch.randint(0, c, (1, frames, q), generator=g)
    acoustic[:, :, level + 1:] = c
    acoustic[:, :, level][torch.rand(1, frames, generator=g) < 0.5] = c
    semantic = torch.randint(0, s, (1, frames), generator=g)
    return acoustic, semantic


def main():
    ap = argparse.ArgumentParser(description="export the reference forward pass to ONNX")
    ap.add_argument("--weights", required=True, help="directory with config.json and model.safetensors")
    ap.add_argument("--out", required=True, help="output .onnx file")
    ap.add_argument("--level", type=int, default=0, help="the level whose logits are output (one head)")
    ap.add_argument("--all-heads", action="store_true", help="output all Q levels' logits [1, T, Q, C]")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--max-frames", type=int, default=8192, help="rows of the rotary table (largest T)")
    ap.add_argument("--check-dir", help="also write a parity case (inputs + PyTorch logits) here")
    ap.add_argument("--check-frames", type=int, default=250)
    a = ap.parse_args()

    torch.set_num_threads(2)
    model = load_model(a.weights, torch.float32)
    cfg = model.config
    q = cfg["num_quantizers"]
    if not 0 <= a.level < q:
        sys.exit(f"--level must lie in [0, {q - 1}]")
    level = None if a.all_heads else a.level
    wrapped = ExportForward(model, level, a.max_frames).eval()

    # Trace at a length other than the check's, so a size frozen into the graph would show up
    # as a shape error or a parity failure at --check-frames.
    ex_acoustic, ex_semantic = draw_inputs(cfg, 37, a.level, seed=1)
    with torch.no_grad():
        ref = model(ex_acoustic, ex_semantic, level=level)
        got = wrapped(ex_acoustic, ex_semantic)
    diff = (ref - got).abs().max().item()
    if diff != 0.0:
        sys.exit(f"export wrapper differs from the reference by {diff}")

    t0 = time.perf_counter()
    with torch.no_grad():
        torch.onnx.export(wrapped, (ex_acoustic, ex_semantic), a.out,
                          input_names=["acoustic", "semantic"], output_names=["logits"],
                          dynamic_axes={"acoustic": {1: "frames"}, "semantic": {1: "frames"},
                                        "logits": {1: "frames"}},
                          opset_version=a.opset, do_constant_folding=True)
    meta = {"config": cfg, "heads": "all" if level is None else "one", "level": a.level,
            "opset": a.opset, "max_frames": a.max_frames, "torch_version": torch.__version__,
            "weights": os.path.abspath(a.weights),
            "inputs": {"acoustic": "int64 [1, frames, %d]" % q, "semantic": "int64 [1, frames]"},
            "output": ("float32 [1, frames, %d]" % cfg["codebook_size"] if level is not None
                       else "float32 [1, frames, %d, %d]" % (q, cfg["codebook_size"]))}
    with open(a.out + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 2**20:.1f} MiB, opset {a.opset}, heads {meta['heads']}, "
          f"{time.perf_counter() - t0:.1f} s)", file=sys.stderr)

    if a.check_dir:
        os.makedirs(a.check_dir, exist_ok=True)
        acoustic, semantic = draw_inputs(cfg, a.check_frames, a.level, seed=0)
        with torch.inference_mode():
            logits = model(acoustic, semantic, level=level)
        acoustic.numpy().astype("<i8").tofile(os.path.join(a.check_dir, "acoustic.i64"))
        semantic.numpy().astype("<i8").tofile(os.path.join(a.check_dir, "semantic.i64"))
        logits.numpy().astype("<f4").tofile(os.path.join(a.check_dir, "logits.f32"))
        print(f"wrote parity case ({a.check_frames} frames, logits {list(logits.shape)}) to {a.check_dir}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
