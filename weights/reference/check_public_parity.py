"""Check soundstorm_reference.py against the public code it reimplements.

Usage:
    /usr/bin/python3 weights/reference/check_public_parity.py --public-src DIR [--weights weights/demo]

DIR holds soundstorm.py and attend.py of ZhangXInFD/soundstorm-speechtokenizer
(soundstorm_speechtokenizer/). They need einops, beartype and packaging, which this machine lacks,
so minimal stand-ins covering exactly the patterns those files use on the inference path are
installed into sys.modules first. The public model is built with attn_flash=False (flash needs
PyTorch 2), loaded with strict=True from the same state_dict as the reference, and run the way its
generate() runs the network: net(flattened ids, mask=all-true, cond=semantic_token_emb(ids)).
Prints the max abs difference of all logits (float32 and float64); exits 1 above 1e-4 / 1e-10.
(In float64 the public rotary frequencies are recomputed in float64: the public code makes
them in float32 whatever the model's dtype, a ~3e-9 difference.)
"""
import argparse
import importlib.util
import os
import sys
import types

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from soundstorm_reference import load_model  # noqa: E402


# --- stand-ins for einops / beartype / packaging (only what the public files call) -------------

def _rearrange(t, pattern, **ax):
    p = " ".join(pattern.split())
    if p == "b n (h d) -> b h n d":
        b, n, hd = t.shape
        return t.reshape(b, n, ax["h"], hd // ax["h"]).transpose(1, 2)
    if p == "b h n d -> b n (h d)":
        b, h, n, d = t.shape
        return t.transpose(1, 2).reshape(b, n, h * d)
    if p == "b j -> b 1 1 j":
        return t[:, None, None, :]
    if p == "b (n gq) -> b n gq":
        return t.reshape(t.shape[0], -1, ax["gq"])
    if p == "b d -> b 1 d":
        return t[:, None, :]
    if p == "... -> ... 1":
        return t[..., None]
    if p == "b n c -> b c n" or p == "b c n -> b n c":
        return t.transpose(1, 2)
    if p == "b n (h d) -> b (n h) d":
        b, n, hd = t.shape
        return t.reshape(b, n * ax["h"], hd // ax["h"])
    if p == "b (n gq) d -> b n gq d":
        b, ng, d = t.shape
        return t.reshape(b, ng // ax["gq"], ax["gq"], d)
    if p == "b ... d -> b (...) d":
        return t.reshape(t.shape[0], -1, t.shape[-1])
    raise NotImplementedError(pattern)


def _reduce(t, pattern, op, **ax):
    p = " ".join(pattern.split())
    if p == "b n (g q) d -> b n (g d)" and op == "sum":
        b, n, gq, d = t.shape
        g = ax["g"]
        return t.reshape(b, n, g, gq // g, d).sum(dim=3).reshape(b, n, g * d)
    raise NotImplementedError(pattern)


class _Rearrange(nn.Module):
    def __init__(self, pattern, **ax):
        super().__init__()
        self.pattern, self.ax = pattern, ax

    def forward(self, x):
        return _rearrange(x, self.pattern, **self.ax)


class _EinMix(nn.Module):
    def __init__(self, pattern, weight_shape, bias_shape, gq, l, d):  # noqa: E741
        super().__init__()
        assert " ".join(pattern.split()) == "b n gq d -> b n gq l" and weight_shape == "gq d l" \
            and bias_shape == "gq l"
        self.weight = nn.Parameter(torch.zeros(gq, d, l))
        self.bias = nn.Parameter(torch.zeros(1, 1, gq, l))

    def forward(self, x):
        return torch.einsum("bnqd,qdl->bnql", x, self.weight) + self.bias


def _install_stand_ins():
    einops = types.ModuleType("einops")
    einops.rearrange, einops.reduce = _rearrange, _reduce
    einops.repeat = lambda *a, **k: (_ for _ in ()).throw(NotImplementedError("repeat"))
    layers = types.ModuleType("einops.layers")
    layers_torch = types.ModuleType("einops.layers.torch")
    layers_torch.Rearrange, layers_torch.EinMix = _Rearrange, _EinMix
    beartype = types.ModuleType("beartype")
    beartype.beartype = lambda f: f
    bt_typing = types.ModuleType("beartype.typing")
    import typing
    bt_typing.Union, bt_typing.Dict = typing.Union, typing.Dict
    packaging = types.ModuleType("packaging")
    pv = types.ModuleType("packaging.version")
    pv.parse = lambda s: tuple(int(x) for x in s.split("+")[0].split("a")[0].split(".")[:3])
    packaging.version = pv
    sys.modules.update({"einops": einops, "einops.layers": layers, "einops.layers.torch": layers_torch,
                        "beartype": beartype, "beartype.typing": bt_typing,
                        "packaging": packaging, "packaging.version": pv})


def _import_public(src_dir):
    pkg = types.ModuleType("public_ss")
    pkg.__path__ = [src_dir]
    sys.modules["public_ss"] = pkg
    mods = {}
    for name in ("attend", "soundstorm"):
        spec = importlib.util.spec_from_file_location(f"public_ss.{name}", os.path.join(src_dir, f"{name}.py"))
        m = importlib.util.module_from_spec(spec)
        sys.modules[f"public_ss.{name}"] = m
        spec.loader.exec_module(m)
        mods[name] = m
    return mods["soundstorm"]


def build_public(ss, cfg):
    conformer = dict(dim=cfg["dim"], depth=cfg["depth"], heads=cfg["heads"], dim_head=cfg["dim_head"],
                     ff_mult=cfg["ff_mult"], conv_expansion_factor=cfg["conv_expansion_factor"],
                     conv_kernel_size=cfg["conv_kernel_size"], attn_flash=False)
    net = ss.ConformerWrapper(codebook_size=cfg["codebook_size"], num_quantizers=cfg["num_quantizers"],
                              conformer=conformer)
    return ss.SoundStorm(net=net, num_semantic_token_ids=cfg["num_semantic_tokens"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--public-src", required=True, help="directory with soundstorm.py and attend.py")
    ap.add_argument("--weights", default=os.path.join(HERE, "..", "demo"))
    ap.add_argument("--frames", type=int, default=57)
    a = ap.parse_args()
    _install_stand_ins()
    ss = _import_public(os.path.abspath(a.public_src))
    ref = load_model(a.weights)
    cfg = ref.config
    if cfg["logit_head"] != "projected":
        sys.exit("the public code only has the projected head")
    pub = build_public(ss, cfg)
    pub.load_state_dict(ref.state_dict(), strict=True)
    pub.eval()
    g = torch.Generator().manual_seed(123)
    b, t, q, c = 2, a.frames, cfg["num_quantizers"], cfg["codebook_size"]
    acoustic = torch.randint(0, c + 1, (b, t, q), generator=g)
    semantic = torch.randint(0, cfg["num_semantic_tokens"], (b, t), generator=g)
    worst = 0.0
    for dtype, tol in ((torch.float32, 1e-4), (torch.float64, 1e-10)):
        r, p = ref.to(dtype), pub.to(dtype)
        if dtype == torch.float64:
            # the public code computes the rotary frequencies in float32 even in a float64 model;
            # recompute them in float64 so the comparison isolates everything else
            rot = p.net.conformer.rotary_emb
            dh = cfg["dim_head"]
            rot.inv_freq = 1.0 / (10000 ** (torch.arange(0, dh, 2, dtype=torch.float64) / dh))
        with torch.no_grad():
            mine = r(acoustic, semantic)                                        # [B,T,Q,C]
            theirs = p.net(acoustic.reshape(b, t * q), mask=torch.ones(b, t, dtype=torch.bool),
                           cond=p.semantic_token_emb(semantic)).reshape(b, t, q, c)
        diff = (mine - theirs).abs().max().item()
        print(f"{dtype}: max |ref - public| = {diff:.3e} (max |logit| {mine.abs().max().item():.4f})")
        if diff > tol:
            worst = max(worst, diff)
    sys.exit(1 if worst else 0)


if __name__ == "__main__":
    main()
